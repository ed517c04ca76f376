//! A relay behind its router (no socket) with an owner already set up, and helpers that
//! speak to it as a browser (session cookie, same-origin headers) or a program (API key).

// Each test binary uses its own part of this module.
#![allow(dead_code)]

pub mod hostile;
pub mod servers;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use tower::ServiceExt;
use vizkraft_domain::api::ask::AskResponse;
use vizkraft_domain::api::auth::Role;
use vizkraft_domain::api::members::CreateInvitationResponse;
use vizkraft_domain::api::query::ResultFrame;
use vizkraft_domain::semantic::CompileOutcome;
use vizkraft_domain::ApiError;
use vizkraft_relay::config::{QueryLimits, ServeArgs};
use vizkraft_relay::state::{AppState, MetaStore};

pub const HOST: &str = "relay.test";
pub const ORIGIN: &str = "https://relay.test";
pub const OWNER_EMAIL: &str = "owner@example.com";
pub const OWNER_PASSWORD: &str = "owner-password-1";

/// The demo database, generated once and kept under the target directory.
pub fn demo_db() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        // Generated on a thread of its own: each test has its own runtime, the file is shared.
        std::thread::spawn(|| {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(vizkraft_relay::demo::cached_in(Path::new(env!("CARGO_TARGET_TMPDIR")))).unwrap()
        })
        .join()
        .unwrap()
    })
}

/// How a request authenticates.
#[derive(Clone, Debug)]
pub enum Auth {
    None,
    /// A session cookie's value, sent from the relay's own origin.
    Session(String),
    Key(String),
    /// A dashboard share link's token (`Authorization: Share …`).
    Share(String),
}

pub struct TestRelay {
    pub app: Router,
    pub meta: MetaStore,
    pub sources: std::sync::Arc<vizkraft_relay::sources::SourceRegistry>,
    /// The first owner's session.
    pub owner: Auth,
    _data_dir: tempfile::TempDir,
}

impl TestRelay {
    pub async fn start(limits: QueryLimits) -> TestRelay {
        Self::start_with_sources(limits, true, Vec::new()).await
    }

    /// A relay serving `sqlite_sources` (each under the id `source_id_for` gives its file),
    /// with or without the shared demo database beside them.
    pub async fn start_with_sources(limits: QueryLimits, demo: bool, sqlite_sources: Vec<PathBuf>) -> TestRelay {
        Self::start_with(|args| {
            args.limits = limits;
            args.demo = demo;
            args.demo_path = demo.then(|| demo_db().to_owned());
            args.sqlite_sources = sqlite_sources;
        })
        .await
    }

    /// A relay without sources, with whatever `configure` changes in its arguments.
    pub async fn start_with(configure: impl FnOnce(&mut ServeArgs)) -> TestRelay {
        let data_dir = tempfile::tempdir().unwrap();
        let mut args = ServeArgs {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data_dir.path().to_owned(),
            static_dir: None,
            demo: false,
            demo_path: None,
            sqlite_sources: Vec::new(),
            limits: QueryLimits { row_cap: 1_000_000, statement_timeout_ms: 30_000, byte_cap: 1 << 30 },
            sources: Default::default(),
            tls: Default::default(),
            vault: Default::default(),
        };
        configure(&mut args);
        let state = AppState::open(&args).await.unwrap();
        let (meta, sources) = (state.meta.clone(), state.sources.clone());
        let token = vizkraft_relay::auth::ensure_setup_token(&meta).await.unwrap().unwrap();
        let mut relay = TestRelay {
            app: vizkraft_relay::router(state, None),
            meta,
            sources,
            owner: Auth::None,
            _data_dir: data_dir,
        };
        let setup = json!({"token": token, "email": OWNER_EMAIL, "display_name": "Olivia Owner",
                           "password": OWNER_PASSWORD, "organisation_name": "Acme"});
        let response = relay.call(Method::POST, "/api/v1/setup", Some(setup), &Auth::None).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        relay.owner = Auth::Session(response.session_cookie().unwrap());
        relay
    }

    pub async fn default() -> TestRelay {
        Self::start(QueryLimits { row_cap: 1_000_000, statement_timeout_ms: 30_000, byte_cap: 1 << 30 }).await
    }

    pub fn data_dir(&self) -> &Path {
        self._data_dir.path()
    }

    pub fn build(method: Method, path: &str, body: Option<Value>, auth: &Auth) -> Request<Body> {
        let mut request = Request::builder().method(method).uri(path).header("host", HOST);
        match auth {
            Auth::None => request = request.header("origin", ORIGIN),
            Auth::Session(cookie) => {
                request = request.header("cookie", format!("__Host-vizkraft_session={cookie}")).header("origin", ORIGIN)
            }
            Auth::Key(key) => request = request.header("authorization", format!("Bearer {key}")),
            Auth::Share(token) => request = request.header("authorization", format!("Share {token}")),
        }
        match body {
            Some(json) => {
                request.header("content-type", "application/json").body(Body::from(json.to_string())).unwrap()
            }
            None => request.body(Body::empty()).unwrap(),
        }
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes().to_vec();
        Reply { status, headers, body }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>, auth: &Auth) -> Reply {
        self.send(Self::build(method, path, body, auth)).await
    }

    /// GET as the owner, parsed.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> (StatusCode, T) {
        let reply = self.call(Method::GET, path, None, &self.owner).await;
        (reply.status, reply.json())
    }

    /// POST as the owner.
    pub async fn post(&self, path: &str, json: Value) -> (StatusCode, Vec<u8>) {
        let reply = self.call(Method::POST, path, Some(json), &self.owner).await;
        (reply.status, reply.body)
    }

    pub async fn ask(&self, question: &str) -> CompileOutcome {
        let (status, body) = self.post("/api/v1/ask", json!({"source_id": "demo", "question": question})).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice::<AskResponse>(&body).unwrap().outcome
    }

    /// Invites `email` as `role` and accepts with a new account; returns that person's session.
    pub async fn member(&self, email: &str, role: Role) -> Auth {
        let invitation = self.invite(role).await;
        let reply = self
            .call(
                Method::POST,
                "/api/v1/invitations/accept",
                Some(json!({"token": invitation, "email": email, "display_name": email, "password": "member-password-1"})),
                &Auth::None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        Auth::Session(reply.session_cookie().unwrap())
    }

    /// A fresh invitation token from the owner.
    pub async fn invite(&self, role: Role) -> String {
        let reply = self.call(Method::POST, "/api/v1/invitations", Some(json!({"role": role})), &self.owner).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let created: CreateInvitationResponse = reply.json();
        created.link_path.strip_prefix("/invite#").unwrap().to_owned()
    }

    /// Runs SQL on the demo source as the owner and returns the parsed frames.
    pub async fn query(&self, sql: &str) -> Result<Vec<ResultFrame>, (StatusCode, ApiError)> {
        self.query_source("demo", sql).await
    }

    /// Runs SQL on the source `source_id` as the owner and returns the parsed frames.
    pub async fn query_source(&self, source_id: &str, sql: &str) -> Result<Vec<ResultFrame>, (StatusCode, ApiError)> {
        let (status, body) = self.post("/api/v1/query", json!({"source_id": source_id, "sql": sql})).await;
        if status != StatusCode::OK {
            return Err((status, serde_json::from_slice(&body).unwrap()));
        }
        Ok(frames(&body))
    }
}

/// Every row of a result's batches, in order.
pub fn rows_of(frames: &[ResultFrame]) -> Vec<Vec<vizkraft_domain::api::query::Cell>> {
    let mut data = vizkraft_domain::result::ResultData::default();
    for frame in frames {
        if let ResultFrame::Batch { batch } = frame {
            data.push(batch.clone());
        }
    }
    data.sample_rows(usize::MAX)
}

/// The frames of a result stream's body (sent without `Accept-Encoding`, so not compressed).
pub fn frames(body: &[u8]) -> Vec<ResultFrame> {
    vizkraft_domain::result::wire::decode_all(body).unwrap()
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {} {}", self.status, self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn error(&self) -> ApiError {
        self.json()
    }

    /// The session id from `Set-Cookie`, if the reply sets one.
    pub fn session_cookie(&self) -> Option<String> {
        let cookie = self.headers.get("set-cookie")?.to_str().ok()?;
        let value = cookie.strip_prefix("__Host-vizkraft_session=")?.split(';').next()?;
        (!value.is_empty()).then(|| value.to_owned())
    }
}
