//! The app's only HTTP: typed calls to the relay's `/api/v1` routes, including the streamed
//! query result, which is read incrementally and never buffered whole. The session is an
//! HttpOnly cookie the browser sends by itself; this module never sees it.

use std::cell::RefCell;
use std::rc::Rc;

use futures::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use vizkraft_domain::api::api_keys::{CreateApiKeyRequest, CreateApiKeyResponse, ListApiKeysResponse};
use vizkraft_domain::api::ask::{AskRequest, AskResponse};
use vizkraft_domain::api::audit::ListAuditResponse;
use vizkraft_domain::api::auth::{
    ChangePasswordRequest, CreateOrganisationRequest, MeResponse, SetupRequest, SetupStatusResponse, SignInRequest,
    SwitchOrganisationRequest,
};
use vizkraft_domain::api::charts::{ListSavedChartsResponse, SavedChart, SavedChartRequest};
use vizkraft_domain::api::dashboards::{
    CreateShareLinkResponse, Dashboard, DashboardRequest, ListDashboardsResponse, ListShareLinksResponse,
    ShareLinkRequest, SharedDashboard, SharingPolicy, TileRunRequest, SHARE_AUTH_SCHEME,
};
use vizkraft_domain::api::members::{
    AcceptInvitationRequest, ChangeRoleRequest, CreateInvitationRequest, CreateInvitationResponse,
    ListInvitationsResponse, ListMembersResponse,
};
use vizkraft_domain::api::query::{QueryRequest, ResultFrame};
use vizkraft_domain::api::sources::{
    ConnectionTestResponse, ListSourceDetailsResponse, ListSourcesResponse, SchemaRefreshResponse, SourceDetails,
    SourceId, SourceRequest, SourceSchemaResponse, SqliteFilesResponse,
};
use vizkraft_domain::api::API_PREFIX;
use vizkraft_domain::result::wire::FrameDecoder;
use vizkraft_domain::{ApiError, ErrorCode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, RequestCache, RequestInit, Response};

/// Why a call to the relay did not give the app what it asked for. Pages show every variant;
/// none is ever turned into an empty state.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientError {
    /// The relay refused with its own error body; `code` is the stable contract.
    Api(ApiError),
    /// A non-2xx answer without an `ApiError` body (a proxy in between, a crashed relay).
    Status { status: u16, body: String },
    /// `fetch` itself failed: the relay is down, the network is gone, or the connection broke.
    Network(String),
    /// A 2xx body that does not match the shared wire types: relay and app are out of step.
    Decode(String),
    /// The result stream closed before its `End` or `Error` frame.
    Incomplete,
    /// The request was aborted on purpose (Cancel, a new run, leaving the page).
    Cancelled,
}

impl ClientError {
    /// Machine-readable code, shown in `data-error-code`: the relay's `ErrorCode` wire name for
    /// API errors, so tests and users see the same word the relay logged.
    pub fn code(&self) -> String {
        match self {
            ClientError::Api(error) => match serde_json::to_value(error.code) {
                Ok(serde_json::Value::String(name)) => name,
                _ => "internal".to_owned(),
            },
            ClientError::Status { status, .. } => format!("http_{status}"),
            ClientError::Network(_) => "network".to_owned(),
            ClientError::Decode(_) => "bad_response".to_owned(),
            ClientError::Incomplete => "stream_incomplete".to_owned(),
            ClientError::Cancelled => "cancelled".to_owned(),
        }
    }

    /// The relay refused because no valid session came with the request.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, ClientError::Api(error) if error.code == ErrorCode::Unauthenticated)
    }

    pub fn message(&self) -> String {
        match self {
            ClientError::Api(error) => error.message.clone(),
            ClientError::Status { status, body } if body.trim().is_empty() => {
                format!("The relay answered with HTTP status {status}.")
            }
            ClientError::Status { status, body } => format!("The relay answered with HTTP status {status}: {body}"),
            ClientError::Network(detail) => format!("The Vizkraft relay could not be reached ({detail})."),
            ClientError::Decode(detail) => format!("The relay's answer could not be read: {detail}"),
            ClientError::Incomplete => "The result stream ended before the query finished.".to_owned(),
            ClientError::Cancelled => "The query was cancelled.".to_owned(),
        }
    }
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message())
    }
}

/// Cancels one in-flight request. Aborting the fetch closes the connection, which is how the
/// relay learns to stop the database query. Clones share one controller.
#[derive(Clone)]
pub struct Abort(AbortController);

impl Abort {
    pub fn new() -> Result<Self, ClientError> {
        AbortController::new().map(Abort).map_err(|e| ClientError::Network(js_message(&e)))
    }

    pub fn abort(&self) {
        self.0.abort();
    }

    fn signal(&self) -> AbortSignal {
        self.0.signal()
    }

    pub fn aborted(&self) -> bool {
        self.0.signal().aborted()
    }
}

/// What a 401 means for one call. For most it means the session ended, and the app goes to
/// the sign-in page; for sign-in and password checks it means a wrong password, which the
/// page itself explains.
#[derive(Debug, Clone, PartialEq, Eq)]
enum On401 {
    EndSession,
    Report,
    /// A share link's visitor: the token goes in `Authorization: Share …`, and a 401 means
    /// the link no longer works (there is no session to end).
    Share(String),
}

thread_local! {
    /// Set once by the app shell; the browser runs one thread, so a thread-local is the whole app.
    static SESSION_ENDED: RefCell<Option<Rc<dyn Fn()>>> = RefCell::new(None);
}

/// Registers what happens when the relay says the session is gone (expired, revoked, or the
/// member was removed): the shell forgets the user and shows the sign-in page.
pub fn on_session_ended(hook: impl Fn() + 'static) {
    SESSION_ENDED.with(|slot| *slot.borrow_mut() = Some(Rc::new(hook)));
}

fn session_ended() {
    // Cloned out first: the hook sets signals, and those may call back into this module.
    let hook = SESSION_ENDED.with(|slot| slot.borrow().clone());
    if let Some(hook) = hook {
        hook();
    }
}

// Accounts and sessions (relay `auth/`).

pub async fn setup_status() -> Result<SetupStatusResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/setup")).await
}

pub async fn complete_setup(request: &SetupRequest) -> Result<MeResponse, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/setup"), Some(request), On401::Report).await
}

pub async fn sign_in(request: &SignInRequest) -> Result<MeResponse, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/session"), Some(request), On401::Report).await
}

pub async fn sign_out() -> Result<(), ClientError> {
    send_empty::<()>("DELETE", &format!("{API_PREFIX}/session"), None, On401::EndSession).await
}

pub async fn me() -> Result<MeResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/me")).await
}

pub async fn switch_organisation(request: &SwitchOrganisationRequest) -> Result<MeResponse, ClientError> {
    send_json("PUT", &format!("{API_PREFIX}/session/organisation"), Some(request), On401::EndSession).await
}

/// A wrong current password is a 400 with its own message; a 401 means the session ended.
pub async fn change_password(request: &ChangePasswordRequest) -> Result<(), ClientError> {
    send_empty("PUT", &format!("{API_PREFIX}/me/password"), Some(request), On401::EndSession).await
}

/// Starts an organisation owned by the signed-in user and makes it the active one.
pub async fn create_organisation(request: &CreateOrganisationRequest) -> Result<MeResponse, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/organisations"), Some(request), On401::EndSession).await
}

// Members and invitations (relay `members/`).

pub async fn list_members() -> Result<ListMembersResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/members")).await
}

pub async fn change_member_role(user_id: &str, request: &ChangeRoleRequest) -> Result<(), ClientError> {
    let url = format!("{API_PREFIX}/members/{}/role", encode_path_segment(user_id));
    send_empty("PUT", &url, Some(request), On401::EndSession).await
}

pub async fn remove_member(user_id: &str) -> Result<(), ClientError> {
    let url = format!("{API_PREFIX}/members/{}", encode_path_segment(user_id));
    send_empty::<()>("DELETE", &url, None, On401::EndSession).await
}

pub async fn list_invitations() -> Result<ListInvitationsResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/invitations")).await
}

pub async fn create_invitation(request: &CreateInvitationRequest) -> Result<CreateInvitationResponse, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/invitations"), Some(request), On401::EndSession).await
}

pub async fn revoke_invitation(id: &str) -> Result<(), ClientError> {
    let url = format!("{API_PREFIX}/invitations/{}", encode_path_segment(id));
    send_empty::<()>("DELETE", &url, None, On401::EndSession).await
}

/// Public: the invitee may have no account yet.
pub async fn accept_invitation(request: &AcceptInvitationRequest) -> Result<MeResponse, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/invitations/accept"), Some(request), On401::Report).await
}

// Saved charts (relay `charts/`).

pub async fn list_charts() -> Result<ListSavedChartsResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/charts")).await
}

pub async fn save_chart(request: &SavedChartRequest) -> Result<SavedChart, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/charts"), Some(request), On401::EndSession).await
}

pub async fn change_chart(id: &str, request: &SavedChartRequest) -> Result<SavedChart, ClientError> {
    let url = format!("{API_PREFIX}/charts/{}", encode_path_segment(id));
    send_json("PUT", &url, Some(request), On401::EndSession).await
}

pub async fn duplicate_chart(id: &str) -> Result<SavedChart, ClientError> {
    let url = format!("{API_PREFIX}/charts/{}/duplicate", encode_path_segment(id));
    send_json::<(), _>("POST", &url, None, On401::EndSession).await
}

pub async fn delete_chart(id: &str) -> Result<(), ClientError> {
    let url = format!("{API_PREFIX}/charts/{}", encode_path_segment(id));
    send_empty::<()>("DELETE", &url, None, On401::EndSession).await
}

/// Runs a saved chart's own SQL, streamed like [`run_query`].
pub async fn run_chart(id: &str, abort: &Abort, on_event: impl FnMut(StreamEvent) -> Flow) -> Result<(), ClientError> {
    let url = format!("{API_PREFIX}/charts/{}/run", encode_path_segment(id));
    let response = send::<()>("POST", &url, None, Some(abort), On401::EndSession).await?;
    read_frames(response, abort, on_event).await
}

// Dashboards and share links (relay `dashboards/`).

/// The organisation's dashboards, or its archived ones.
pub async fn list_dashboards(archived: bool) -> Result<ListDashboardsResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/dashboards?archived={archived}")).await
}

/// Archives (out of the list, share links dead) or restores a dashboard.
pub async fn archive_dashboard(id: &str, archive: bool) -> Result<Dashboard, ClientError> {
    let action = if archive { "archive" } else { "restore" };
    let url = format!("{API_PREFIX}/dashboards/{}/{action}", encode_path_segment(id));
    send_json::<(), _>("POST", &url, None, On401::EndSession).await
}

pub async fn sharing_policy() -> Result<SharingPolicy, ClientError> {
    get_json(&format!("{API_PREFIX}/settings/sharing")).await
}

pub async fn change_sharing_policy(policy: &SharingPolicy) -> Result<SharingPolicy, ClientError> {
    send_json("PUT", &format!("{API_PREFIX}/settings/sharing"), Some(policy), On401::EndSession).await
}

pub async fn get_dashboard(id: &str) -> Result<Dashboard, ClientError> {
    get_json(&format!("{API_PREFIX}/dashboards/{}", encode_path_segment(id))).await
}

pub async fn create_dashboard(request: &DashboardRequest) -> Result<Dashboard, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/dashboards"), Some(request), On401::EndSession).await
}

pub async fn change_dashboard(id: &str, request: &DashboardRequest) -> Result<Dashboard, ClientError> {
    let url = format!("{API_PREFIX}/dashboards/{}", encode_path_segment(id));
    send_json("PUT", &url, Some(request), On401::EndSession).await
}

pub async fn delete_dashboard(id: &str) -> Result<(), ClientError> {
    let url = format!("{API_PREFIX}/dashboards/{}", encode_path_segment(id));
    send_empty::<()>("DELETE", &url, None, On401::EndSession).await
}

fn links_url(dashboard_id: &str) -> String {
    format!("{API_PREFIX}/dashboards/{}/links", encode_path_segment(dashboard_id))
}

pub async fn list_share_links(dashboard_id: &str) -> Result<ListShareLinksResponse, ClientError> {
    get_json(&links_url(dashboard_id)).await
}

pub async fn create_share_link(
    dashboard_id: &str,
    request: &ShareLinkRequest,
) -> Result<CreateShareLinkResponse, ClientError> {
    send_json("POST", &links_url(dashboard_id), Some(request), On401::EndSession).await
}

pub async fn revoke_share_link(dashboard_id: &str, link_id: &str) -> Result<(), ClientError> {
    let url = format!("{}/{}", links_url(dashboard_id), encode_path_segment(link_id));
    send_empty::<()>("DELETE", &url, None, On401::EndSession).await
}

pub async fn revoke_all_share_links(dashboard_id: &str) -> Result<(), ClientError> {
    send_empty::<()>("DELETE", &links_url(dashboard_id), None, On401::EndSession).await
}

pub async fn rotate_share_link(dashboard_id: &str, link_id: &str) -> Result<CreateShareLinkResponse, ClientError> {
    let url = format!("{}/{}/rotate", links_url(dashboard_id), encode_path_segment(link_id));
    send_json::<(), _>("POST", &url, None, On401::EndSession).await
}

/// Where a dashboard's tiles run: as a member, or through a share link's token.
#[derive(Debug, Clone, PartialEq)]
pub enum TileSource {
    Dashboard(String),
    Shared(String),
}

/// Runs one tile of a dashboard with the filter values, streamed like [`run_query`].
pub async fn run_tile(
    source: &TileSource,
    tile_id: &str,
    request: &TileRunRequest,
    abort: &Abort,
    on_event: impl FnMut(StreamEvent) -> Flow,
) -> Result<(), ClientError> {
    let tile = encode_path_segment(tile_id);
    let response = match source {
        TileSource::Dashboard(id) => {
            let url = format!("{API_PREFIX}/dashboards/{}/tiles/{tile}/run", encode_path_segment(id));
            send("POST", &url, Some(request), Some(abort), On401::EndSession).await?
        }
        TileSource::Shared(token) => {
            let url = format!("{API_PREFIX}/shared/tiles/{tile}/run");
            send("POST", &url, Some(request), Some(abort), On401::Share(token.clone())).await?
        }
    };
    read_frames(response, abort, on_event).await
}

pub async fn shared_dashboard(token: &str) -> Result<SharedDashboard, ClientError> {
    let response =
        send::<()>("GET", &format!("{API_PREFIX}/shared/dashboard"), None, None, On401::Share(token.to_owned()))
            .await?;
    read_json(&response, None).await
}

// API keys (relay `api_keys/`) and the audit log (relay `audit/`).

pub async fn list_api_keys() -> Result<ListApiKeysResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/api-keys")).await
}

pub async fn create_api_key(request: &CreateApiKeyRequest) -> Result<CreateApiKeyResponse, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/api-keys"), Some(request), On401::EndSession).await
}

pub async fn revoke_api_key(id: &str) -> Result<(), ClientError> {
    let url = format!("{API_PREFIX}/api-keys/{}", encode_path_segment(id));
    send_empty::<()>("DELETE", &url, None, On401::EndSession).await
}

pub async fn list_audit() -> Result<ListAuditResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/audit")).await
}

// Managing sources (relay `sources/`, for roles with `ManageSources`).

/// Every source of the organisation with its connection settings (never a password).
pub async fn list_source_settings() -> Result<ListSourceDetailsResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/sources/settings")).await
}

/// The relay connects before saving: settings that do not work come back as `connection_failed`.
pub async fn create_source(request: &SourceRequest) -> Result<SourceDetails, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/sources"), Some(request), On401::EndSession).await
}

/// Without a password in `request` the stored one is kept.
pub async fn update_source(id: &SourceId, request: &SourceRequest) -> Result<SourceDetails, ClientError> {
    let url = format!("{API_PREFIX}/sources/{}", encode_path_segment(&id.0));
    send_json("PUT", &url, Some(request), On401::EndSession).await
}

pub async fn delete_source(id: &SourceId) -> Result<(), ClientError> {
    let url = format!("{API_PREFIX}/sources/{}", encode_path_segment(&id.0));
    send_empty::<()>("DELETE", &url, None, On401::EndSession).await
}

/// Tries settings before they are saved. A connection that fails is an `Ok` answer with its
/// `failure` set; only a request the relay could not handle is an `Err`.
pub async fn test_new_source(request: &SourceRequest) -> Result<ConnectionTestResponse, ClientError> {
    send_json("POST", &format!("{API_PREFIX}/sources/test"), Some(request), On401::EndSession).await
}

/// Like [`test_new_source`] for a saved source, whose stored password is used when `request`
/// has none.
pub async fn test_source(id: &SourceId, request: &SourceRequest) -> Result<ConnectionTestResponse, ClientError> {
    let url = format!("{API_PREFIX}/sources/{}/test", encode_path_segment(&id.0));
    send_json("POST", &url, Some(request), On401::EndSession).await
}

/// Reads the source's catalog again and says what changed since the last read.
pub async fn refresh_source_schema(id: &SourceId) -> Result<SchemaRefreshResponse, ClientError> {
    let url = format!("{API_PREFIX}/sources/{}/refresh", encode_path_segment(&id.0));
    send_json::<(), _>("POST", &url, None, On401::EndSession).await
}

/// The SQLite files the operator's sources directory offers.
pub async fn sqlite_files() -> Result<SqliteFilesResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/sources/sqlite-files")).await
}

// Sources, asking and running (relay `sources/`, `ask/`, `query/`).

pub async fn list_sources() -> Result<ListSourcesResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/sources")).await
}

pub async fn source_schema(id: &SourceId) -> Result<SourceSchemaResponse, ClientError> {
    get_json(&format!("{API_PREFIX}/sources/{}/schema", encode_path_segment(&id.0))).await
}

pub async fn ask(request: &AskRequest, abort: &Abort) -> Result<AskResponse, ClientError> {
    let response = send("POST", &format!("{API_PREFIX}/ask"), Some(request), Some(abort), On401::EndSession).await?;
    read_json(&response, Some(abort)).await
}

/// What a result stream delivers, as it arrives.
pub enum StreamEvent {
    /// Bytes of the (decompressed) stream received so far.
    Bytes(u64),
    Frame(ResultFrame),
}

/// Whether the reader should go on; `Stop` cancels the stream, which the relay answers by
/// cancelling the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Runs SQL and hands each [`ResultFrame`] to `on_event` as soon as its bytes have arrived.
/// Returns `Ok` once the terminal `End` or `Error` frame was delivered, or once `on_event`
/// said `Stop`. A guard rejection (the relay's 4xx before streaming starts) comes back as
/// `Err(ClientError::Api)`.
pub async fn run_query(
    request: &QueryRequest,
    abort: &Abort,
    on_event: impl FnMut(StreamEvent) -> Flow,
) -> Result<(), ClientError> {
    let response = send("POST", &format!("{API_PREFIX}/query"), Some(request), Some(abort), On401::EndSession).await?;
    read_frames(response, abort, on_event).await
}

/// Runs the compiler's own SQL for a question, streamed like [`run_query`]: the way for roles
/// that may ask but not write SQL, since the relay never takes SQL from them.
pub async fn run_question(
    request: &AskRequest,
    abort: &Abort,
    on_event: impl FnMut(StreamEvent) -> Flow,
) -> Result<(), ClientError> {
    let response =
        send("POST", &format!("{API_PREFIX}/ask/run"), Some(request), Some(abort), On401::EndSession).await?;
    read_frames(response, abort, on_event).await
}

/// Reads the result stream chunk by chunk (the browser has already undone `Content-Encoding:
/// zstd`) and decodes each frame as soon as its last byte arrives; no chunk outlives its frames.
async fn read_frames(
    response: Response,
    abort: &Abort,
    mut on_event: impl FnMut(StreamEvent) -> Flow,
) -> Result<(), ClientError> {
    let body = response.body().ok_or_else(|| ClientError::Decode("the result has no body".to_owned()))?;
    let mut chunks = wasm_streams::ReadableStream::from_raw(body).into_stream();
    let mut decoder = FrameDecoder::default();
    let mut received: u64 = 0;
    let mut finished = false;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| {
            if abort.aborted() {
                ClientError::Cancelled
            } else {
                ClientError::Network(js_message(&e))
            }
        })?;
        if finished {
            // What follows the last frame (the end of the compressed stream) is read to the
            // end, so the response completes instead of being cancelled.
            continue;
        }
        let chunk = js_sys::Uint8Array::new(&chunk);
        received += u64::from(chunk.length());
        let frames = decoder.push(&chunk.to_vec()).map_err(|e| ClientError::Decode(e.to_string()))?;
        if on_event(StreamEvent::Bytes(received)) == Flow::Stop {
            return Ok(());
        }
        for frame in frames {
            finished |= matches!(frame, ResultFrame::End(_) | ResultFrame::Error { .. });
            if on_event(StreamEvent::Frame(frame)) == Flow::Stop {
                // Dropping the reader cancels the body, so a stop reaches the relay at once.
                return Ok(());
            }
            if finished {
                break;
            }
        }
    }
    if finished {
        Ok(())
    } else if abort.aborted() {
        Err(ClientError::Cancelled)
    } else {
        Err(ClientError::Incomplete)
    }
}

async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, ClientError> {
    send_json::<(), T>("GET", url, None, On401::EndSession).await
}

async fn send_json<B: Serialize, T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<&B>,
    on_401: On401,
) -> Result<T, ClientError> {
    let response = send(method, url, body, None, on_401).await?;
    read_json(&response, None).await
}

/// For the routes that answer `204 No Content`.
async fn send_empty<B: Serialize>(method: &str, url: &str, body: Option<&B>, on_401: On401) -> Result<(), ClientError> {
    send(method, url, body, None, on_401).await.map(drop)
}

/// Every request is a same-origin `fetch`: the browser adds the session cookie
/// (`credentials: same-origin` is the default) and the `Origin` header the relay checks
/// against cross-site requests.
async fn send<B: Serialize>(
    method: &str,
    url: &str,
    body: Option<&B>,
    abort: Option<&Abort>,
    on_401: On401,
) -> Result<Response, ClientError> {
    let network = |e: JsValue| ClientError::Network(js_message(&e));
    let window = web_sys::window().ok_or_else(|| ClientError::Network("no browser window".to_owned()))?;
    let init = RequestInit::new();
    init.set_method(method);
    // Results must not outlive the page, so keep them out of the browser's HTTP cache too.
    init.set_cache(RequestCache::NoStore);
    let headers = Headers::new().map_err(network)?;
    headers.set("Accept", "application/json, application/vnd.vizkraft.result.v1").map_err(network)?;
    if let On401::Share(token) = &on_401 {
        headers.set("Authorization", &format!("{SHARE_AUTH_SCHEME} {token}")).map_err(network)?;
    }
    if let Some(body) = body {
        let json = serde_json::to_string(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        headers.set("Content-Type", "application/json").map_err(network)?;
        init.set_body(&JsValue::from_str(&json));
    }
    init.set_headers(&headers);
    if let Some(abort) = abort {
        init.set_signal(Some(&abort.signal()));
    }
    let fetched = JsFuture::from(window.fetch_with_str_and_init(url, &init)).await;
    let response: Response = match fetched {
        Ok(value) => value.dyn_into().map_err(network)?,
        Err(_) if abort.is_some_and(Abort::aborted) => return Err(ClientError::Cancelled),
        Err(e) => return Err(network(e)),
    };
    if response.ok() {
        return Ok(response);
    }
    let error = error_from(&response, abort).await;
    if response.status() == 401 && on_401 == On401::EndSession {
        session_ended();
    }
    Err(error)
}

async fn read_text(response: &Response, abort: Option<&Abort>) -> Result<String, ClientError> {
    let promise = response.text().map_err(|e| ClientError::Network(js_message(&e)))?;
    match JsFuture::from(promise).await {
        Ok(text) => Ok(text.as_string().unwrap_or_default()),
        Err(_) if abort.is_some_and(Abort::aborted) => Err(ClientError::Cancelled),
        Err(e) => Err(ClientError::Network(js_message(&e))),
    }
}

async fn read_json<T: DeserializeOwned>(response: &Response, abort: Option<&Abort>) -> Result<T, ClientError> {
    let text = read_text(response, abort).await?;
    serde_json::from_str(&text).map_err(|e| ClientError::Decode(e.to_string()))
}

async fn error_from(response: &Response, abort: Option<&Abort>) -> ClientError {
    let status = response.status();
    match read_text(response, abort).await {
        Ok(text) => match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => ClientError::Api(error),
            Err(_) => ClientError::Status { status, body: text.chars().take(300).collect() },
        },
        Err(error) => error,
    }
}

/// Source ids come from the relay, but one with a `/` or `?` must still address one path segment.
fn encode_path_segment(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn js_message(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        String::from(error.message())
    } else if let Some(text) = value.as_string() {
        text
    } else {
        "unknown error".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vizkraft_domain::ErrorCode;

    #[test]
    fn api_errors_show_the_relays_code() {
        let error = ClientError::Api(ApiError::new(ErrorCode::ReadOnlyViolation, "no"));
        assert_eq!(error.code(), "read_only_violation");
        assert_eq!(ClientError::Status { status: 502, body: String::new() }.code(), "http_502");
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode_path_segment("demo_shop-1"), "demo_shop-1");
        assert_eq!(encode_path_segment("a/b c"), "a%2Fb%20c");
    }
}
