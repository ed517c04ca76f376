//! Adding or editing a data source: its connection settings, "Test connection", and the
//! explicit acceptance a login that can change data needs. Passwords are only ever typed:
//! the relay never sends one back, so the field starts empty even when one is stored.

use leptos::html::Form;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::sources::{
    ConnectionSettings, ConnectionTestResponse, NetworkSettings, SourceDetails, SourceRequest, SqliteFilesResponse,
};
use vizkraft_domain::semantic::Engine;
use vizkraft_domain::ErrorCode;

use crate::api::{self, ClientError};
use crate::components::{ConnectionTestResult, ErrorMessage, Field};
use crate::state::Remote;

/// The engines in the order the select offers them.
const ENGINES: [Engine; 3] = [Engine::Postgres, Engine::Mysql, Engine::Sqlite];

/// The engine's wire name, used as the option value.
pub fn engine_value(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "postgres",
        Engine::Mysql => "mysql",
        Engine::Sqlite => "sqlite",
    }
}

pub fn engine_from_value(value: &str) -> Option<Engine> {
    ENGINES.into_iter().find(|engine| engine_value(*engine) == value)
}

pub fn engine_label(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "PostgreSQL",
        Engine::Mysql => "MySQL/MariaDB",
        Engine::Sqlite => "SQLite",
    }
}

/// The engine's usual port; SQLite has none.
pub fn default_port(engine: Engine) -> Option<u16> {
    match engine {
        Engine::Postgres => Some(5432),
        Engine::Mysql => Some(3306),
        Engine::Sqlite => None,
    }
}

/// The port field after switching to `engine`: a port the admin typed stays, an empty field or
/// another engine's default becomes this engine's default.
pub fn port_after_engine_change(current: &str, engine: Engine) -> String {
    let current = current.trim();
    let was_default = current.is_empty()
        || ENGINES.into_iter().any(|e| default_port(e).map(|p| p.to_string()) == Some(current.to_owned()));
    match default_port(engine) {
        Some(port) if was_default => port.to_string(),
        _ => current.to_owned(),
    }
}

/// The form's fields as typed, before they are checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDraft {
    pub engine: Engine,
    pub name: String,
    pub host: String,
    pub port: String,
    pub database: String,
    pub user: String,
    /// Empty means "none" when adding and "keep the stored one" when editing.
    pub password: String,
    pub ca_certificate: String,
    /// Empty means "the host".
    pub server_name: String,
    pub unencrypted: bool,
    pub sqlite_file: String,
    pub accept_writable_login: bool,
}

impl Default for SourceDraft {
    fn default() -> Self {
        SourceDraft {
            engine: Engine::Postgres,
            name: String::new(),
            host: String::new(),
            port: port_after_engine_change("", Engine::Postgres),
            database: String::new(),
            user: String::new(),
            password: String::new(),
            ca_certificate: String::new(),
            server_name: String::new(),
            unencrypted: false,
            sqlite_file: String::new(),
            accept_writable_login: false,
        }
    }
}

impl SourceDraft {
    /// A saved source, to edit. A login already found writable was accepted when it was saved,
    /// so the acceptance starts ticked (and shown).
    pub fn from_details(details: &SourceDetails) -> Self {
        let mut draft = SourceDraft {
            engine: details.connection.engine(),
            name: details.source.name.clone(),
            accept_writable_login: !details.writable_privileges.is_empty(),
            ..SourceDraft::default()
        };
        match &details.connection {
            ConnectionSettings::Sqlite { file } => {
                draft.port = String::new();
                draft.sqlite_file = file.clone();
            }
            ConnectionSettings::Postgres(network) | ConnectionSettings::Mysql(network) => {
                draft.host = network.host.clone();
                draft.port = network.port.to_string();
                draft.database = network.database.clone();
                draft.user = network.user.clone();
                draft.ca_certificate = network.ca_certificate.clone().unwrap_or_default();
                draft.server_name = network.server_name.clone().unwrap_or_default();
                draft.unencrypted = network.unencrypted;
            }
        }
        draft
    }

    /// The request to test or save; `Err` says which field to fix. Names, hosts and the like
    /// are the relay's to judge, so only what cannot be sent at all is checked here.
    pub fn request(&self) -> Result<SourceRequest, String> {
        let connection = match self.engine {
            Engine::Sqlite if self.sqlite_file.is_empty() => return Err("Choose a SQLite file.".to_owned()),
            Engine::Sqlite => ConnectionSettings::Sqlite { file: self.sqlite_file.clone() },
            Engine::Postgres => ConnectionSettings::Postgres(self.network()?),
            Engine::Mysql => ConnectionSettings::Mysql(self.network()?),
        };
        let password = (self.engine != Engine::Sqlite && !self.password.is_empty()).then(|| self.password.clone());
        Ok(SourceRequest {
            name: self.name.trim().to_owned(),
            connection,
            password,
            accept_writable_login: self.accept_writable_login,
        })
    }

    fn network(&self) -> Result<NetworkSettings, String> {
        let port = match self.port.trim().parse::<u16>() {
            Ok(port) if port > 0 => port,
            _ => return Err("The port is a number from 1 to 65535.".to_owned()),
        };
        Ok(NetworkSettings {
            host: self.host.trim().to_owned(),
            port,
            database: self.database.trim().to_owned(),
            user: self.user.trim().to_owned(),
            // A certificate authority means nothing without TLS; sending one would only confuse.
            // Sent exactly as loaded or pasted: the relay keeps a stored password only for the
            // very same settings, so an untouched certificate must come back byte for byte.
            ca_certificate: (!self.ca_certificate.trim().is_empty() && !self.unencrypted)
                .then(|| self.ca_certificate.clone()),
            server_name: (!self.server_name.trim().is_empty() && !self.unencrypted)
                .then(|| self.server_name.trim().to_owned()),
            unencrypted: self.unencrypted,
        })
    }
}

/// The form's state: one signal per field, so typing in one redraws only that one. Copyable,
/// so the page can start an edit and the form can read it.
#[derive(Clone, Copy)]
pub struct SourceForm {
    /// The saved source being edited; `None` while adding a new one.
    pub editing: RwSignal<Option<SourceDetails>>,
    engine: RwSignal<Engine>,
    name: RwSignal<String>,
    host: RwSignal<String>,
    port: RwSignal<String>,
    database: RwSignal<String>,
    user: RwSignal<String>,
    password: RwSignal<String>,
    ca_certificate: RwSignal<String>,
    server_name: RwSignal<String>,
    unencrypted: RwSignal<bool>,
    sqlite_file: RwSignal<String>,
    accept_writable_login: RwSignal<bool>,
}

impl Default for SourceForm {
    fn default() -> Self {
        Self::new()
    }
}

impl SourceForm {
    pub fn new() -> Self {
        let draft = SourceDraft::default();
        SourceForm {
            editing: RwSignal::new(None),
            engine: RwSignal::new(draft.engine),
            name: RwSignal::new(draft.name),
            host: RwSignal::new(draft.host),
            port: RwSignal::new(draft.port),
            database: RwSignal::new(draft.database),
            user: RwSignal::new(draft.user),
            password: RwSignal::new(draft.password),
            ca_certificate: RwSignal::new(draft.ca_certificate),
            server_name: RwSignal::new(draft.server_name),
            unencrypted: RwSignal::new(draft.unencrypted),
            sqlite_file: RwSignal::new(draft.sqlite_file),
            accept_writable_login: RwSignal::new(draft.accept_writable_login),
        }
    }

    /// Fills the form with a saved source's settings.
    pub fn edit(self, details: SourceDetails) {
        self.load(SourceDraft::from_details(&details));
        self.editing.set(Some(details));
    }

    /// Empties the form for a new source.
    pub fn add_new(self) {
        self.load(SourceDraft::default());
        self.editing.set(None);
    }

    fn load(self, draft: SourceDraft) {
        self.engine.set(draft.engine);
        self.name.set(draft.name);
        self.host.set(draft.host);
        self.port.set(draft.port);
        self.database.set(draft.database);
        self.user.set(draft.user);
        self.password.set(draft.password);
        self.ca_certificate.set(draft.ca_certificate);
        self.server_name.set(draft.server_name);
        self.unencrypted.set(draft.unencrypted);
        self.sqlite_file.set(draft.sqlite_file);
        self.accept_writable_login.set(draft.accept_writable_login);
    }

    fn draft(self) -> SourceDraft {
        SourceDraft {
            engine: self.engine.get_untracked(),
            name: self.name.get_untracked(),
            host: self.host.get_untracked(),
            port: self.port.get_untracked(),
            database: self.database.get_untracked(),
            user: self.user.get_untracked(),
            password: self.password.get_untracked(),
            ca_certificate: self.ca_certificate.get_untracked(),
            server_name: self.server_name.get_untracked(),
            unencrypted: self.unencrypted.get_untracked(),
            sqlite_file: self.sqlite_file.get_untracked(),
            accept_writable_login: self.accept_writable_login.get_untracked(),
        }
    }

    /// Tracks every field a connection depends on (not the name, not the acceptance).
    fn track_connection(self) {
        self.engine.track();
        self.host.track();
        self.port.track();
        self.database.track();
        self.user.track();
        self.password.track();
        self.ca_certificate.track();
        self.server_name.track();
        self.unencrypted.track();
        self.sqlite_file.track();
    }

    fn pick_engine(self, engine: Engine) {
        self.engine.set(engine);
        self.port.update(|port| *port = port_after_engine_change(port, engine));
    }
}

type TestOutcome = Result<ConnectionTestResponse, ClientError>;

#[component]
pub fn SourceFormCard(form: SourceForm, on_saved: impl Fn(SourceDetails) + Copy + 'static) -> impl IntoView {
    let sqlite_files = RwSignal::new(Remote::<SqliteFilesResponse>::Loading);
    let tested = RwSignal::new(None::<TestOutcome>);
    let testing = RwSignal::new(false);
    let saving = RwSignal::new(false);
    let save_error = RwSignal::new(None::<ClientError>);
    let invalid = RwSignal::new(None::<String>);
    // Bumped whenever the settings change, so a test answer for settings no longer in the form
    // is dropped instead of vouching for the new ones.
    let revision = StoredValue::new(0_u64);
    let node = NodeRef::<Form>::new();

    spawn_local(async move { sqlite_files.set(api::sqlite_files().await.into()) });

    Effect::new(move |_| {
        form.track_connection();
        revision.update_value(|r| *r += 1);
        tested.set(None);
        invalid.set(None);
    });
    // An edit starts from the list, further up the page: bring the form into view.
    Effect::new(move |previous: Option<()>| {
        let editing = form.editing.with(Option::is_some);
        if previous.is_some() && editing {
            if let Some(node) = node.get_untracked() {
                node.scroll_into_view();
            }
        }
        save_error.set(None);
    });

    let test_request = move |request: SourceRequest| {
        let at = revision.get_value();
        let id = form.editing.with_untracked(|e| e.as_ref().map(|d| d.source.id.clone()));
        testing.set(true);
        tested.set(None);
        spawn_local(async move {
            let outcome = match id {
                Some(id) => api::test_source(&id, &request).await,
                None => api::test_new_source(&request).await,
            };
            if revision.get_value() == at {
                tested.set(Some(outcome));
            }
            testing.set(false);
        });
    };
    let checked_request = move || match form.draft().request() {
        Ok(request) => {
            invalid.set(None);
            Some(request)
        }
        Err(message) => {
            invalid.set(Some(message));
            None
        }
    };
    let test = move || {
        if testing.get_untracked() {
            return;
        }
        save_error.set(None);
        if let Some(request) = checked_request() {
            test_request(request);
        }
    };
    let save = move || {
        if saving.get_untracked() {
            return;
        }
        let Some(request) = checked_request() else { return };
        let id = form.editing.with_untracked(|e| e.as_ref().map(|d| d.source.id.clone()));
        saving.set(true);
        save_error.set(None);
        spawn_local(async move {
            let outcome = match &id {
                Some(id) => api::update_source(id, &request).await,
                None => api::create_source(&request).await,
            };
            match outcome {
                Ok(details) => {
                    form.add_new();
                    on_saved(details);
                }
                Err(error) => {
                    // The error says that the connection failed in words only; the test
                    // answers with the kind and the login's privileges, which the form needs
                    // to offer the fix (a CA certificate, the acceptance of a writable login).
                    let explain = matches!(&error, ClientError::Api(e) if e.code == ErrorCode::ConnectionFailed);
                    save_error.set(Some(error));
                    if explain && !testing.get_untracked() {
                        test_request(request);
                    }
                }
            }
            saving.set(false);
        });
    };

    let is_network = Memo::new(move |_| form.engine.get() != Engine::Sqlite);
    // What the login may change: from the latest test, else as stored with the saved source.
    let writable = Memo::new(move |_| match tested.get() {
        Some(Ok(found)) => found.writable_privileges,
        _ => form.editing.with(|e| e.as_ref().map(|d| d.writable_privileges.clone()).unwrap_or_default()),
    });
    let editing_name = move || form.editing.with(|e| e.as_ref().map(|d| d.source.name.clone()));

    view! {
        <form class="card stack" id="source-form" data-testid="source-form" node_ref=node
            on:submit=move |ev| { ev.prevent_default(); save(); }>
            <h2>{move || match editing_name() {
                Some(name) => format!("Edit “{name}”"),
                None => "Add a data source".to_owned(),
            }}</h2>
            <div class="inline-form">
                <div class="field grow">
                    <label class="field-label" for="source-name">"Name"</label>
                    <input id="source-name" type="text" data-testid="source-name" required=true maxlength="100"
                        autocomplete="off" placeholder="e.g. Shop database"
                        prop:value=move || form.name.get() on:input=move |ev| form.name.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label class="field-label" for="source-engine">"Engine"</label>
                    // `selected` sets the first choice; `prop:value` follows later changes (an edit).
                    <select id="source-engine" data-testid="source-engine"
                        prop:value=move || engine_value(form.engine.get())
                        on:change=move |ev| {
                            if let Some(engine) = engine_from_value(&event_target_value(&ev)) {
                                form.pick_engine(engine);
                            }
                        }>
                        {ENGINES.into_iter().map(|engine| view! {
                            <option value=engine_value(engine) selected=move || form.engine.get() == engine>
                                {engine_label(engine)}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
            </div>
            {move || if is_network.get() {
                view! { <NetworkFields form=form /> }.into_any()
            } else {
                view! { <SqliteFileField form=form files=sqlite_files /> }.into_any()
            }}
            {move || invalid.get().map(|message| view! { <p class="error-text small" role="alert">{message}</p> })}
            {move || save_error.get().map(|error| view! { <ErrorMessage error=error /> })}
            {move || testing.get().then(|| view! {
                <p class="muted small" role="status"><span class="spinner inline" aria-hidden="true"></span> "Connecting…"</p>
            })}
            {move || tested.get().map(|result| view! { <ConnectionTestResult result=result /> })}
            {move || {
                let privileges = writable.get();
                (!privileges.is_empty()).then(|| view! { <WritableWarning privileges=privileges form=form /> })
            }}
            <div class="form-actions">
                <button type="button" class="button secondary" data-testid="source-test" disabled=move || testing.get()
                    on:click=move |_| test()>
                    {move || if testing.get() { "Testing…" } else { "Test connection" }}
                </button>
                <button type="submit" class="button primary" data-testid="source-save" disabled=move || saving.get()>
                    {move || match (saving.get(), form.editing.with(Option::is_some)) {
                        (true, _) => "Connecting and saving…",
                        (false, true) => "Save changes",
                        (false, false) => "Add source",
                    }}
                </button>
                {move || form.editing.with(Option::is_some).then(|| view! {
                    <button type="button" class="button secondary" data-testid="source-cancel"
                        on:click=move |_| form.add_new()>"Cancel"</button>
                })}
            </div>
        </form>
    }
}

#[component]
fn NetworkFields(form: SourceForm) -> impl IntoView {
    let stored_password = move || form.editing.with(|e| e.as_ref().is_some_and(|d| d.has_password));
    view! {
        <div class="inline-form">
            <Field id="source-host" label="Host" testid="source-host" value=form.host placeholder="db.example.com"
                class="grow" />
            <div class="field narrow-field">
                <label class="field-label" for="source-port">"Port"</label>
                <input id="source-port" type="number" min="1" max="65535" step="1" inputmode="numeric" required=true
                    data-testid="source-port"
                    prop:value=move || form.port.get() on:input=move |ev| form.port.set(event_target_value(&ev)) />
            </div>
        </div>
        <div class="inline-form">
            <Field id="source-database" label="Database" testid="source-database" value=form.database class="grow" />
            <Field id="source-user" label="User" testid="source-user" value=form.user class="grow" />
            <div class="field grow">
                <label class="field-label" for="source-password">"Password"</label>
                // Never prefilled: the relay keeps the password sealed and never sends it back.
                <input id="source-password" type="password" data-testid="source-password" autocomplete="new-password"
                    placeholder=move || stored_password().then_some("Stored — leave empty to keep")
                    prop:value=move || form.password.get() on:input=move |ev| form.password.set(event_target_value(&ev)) />
            </div>
        </div>
        <div class="field">
            <label class="check">
                <input type="checkbox" id="source-unencrypted" data-testid="source-unencrypted"
                    prop:checked=move || form.unencrypted.get()
                    on:change=move |ev| form.unencrypted.set(event_target_checked(&ev)) />
                "Unencrypted connection (loopback only)"
            </label>
            {move || form.unencrypted.get().then(|| view! {
                <p class="note danger-note" role="alert" data-testid="source-unencrypted-warning">
                    <strong>"Traffic is not encrypted."</strong>
                    " The password and every query result cross the network in plain text. The relay allows this "
                    "only to a database on its own machine (a loopback address such as 127.0.0.1)."
                </p>
            })}
        </div>
        {move || (!form.unencrypted.get()).then(|| view! {
            <div class="field">
                <label class="field-label" for="source-ca">"CA certificate (PEM, optional)"</label>
                <textarea id="source-ca" class="pem-input" data-testid="source-ca" rows="4" spellcheck="false"
                    placeholder="-----BEGIN CERTIFICATE-----" aria-describedby="source-ca-hint"
                    prop:value=move || form.ca_certificate.get()
                    on:input=move |ev| form.ca_certificate.set(event_target_value(&ev))></textarea>
                <p class="field-hint muted small" id="source-ca-hint">
                    "The authority that signed the server's certificate. Without one, publicly trusted certificate authorities are used."
                </p>
            </div>
            <div class="field">
                <label class="field-label" for="source-server-name">"Server name in the certificate (optional)"</label>
                <input id="source-server-name" type="text" data-testid="source-server-name" spellcheck="false"
                    placeholder="Same as the host" aria-describedby="source-server-name-hint"
                    prop:value=move || form.server_name.get()
                    on:input=move |ev| form.server_name.set(event_target_value(&ev)) />
                <p class="field-hint muted small" id="source-server-name-hint">
                    "Give it when the host is an address or another name than the certificate's."
                </p>
            </div>
        })}
    }
}

#[component]
fn SqliteFileField(form: SourceForm, files: RwSignal<Remote<SqliteFilesResponse>>) -> impl IntoView {
    move || match files.get() {
        Remote::Loading => view! { <p class="muted small">"Looking for SQLite files…"</p> }.into_any(),
        Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
        Remote::Ready(found) if !found.directory_configured => view! {
            <p class="note" data-testid="source-sqlite-unavailable">
                "SQLite sources cannot be added: the relay's operator has not set a directory for SQLite files."
            </p>
        }
        .into_any(),
        Remote::Ready(found) => {
            let mut names = found.files;
            // A saved source's file stays selectable even if it has left the directory since.
            let saved = form.editing.with(|e| match e.as_ref().map(|d| &d.connection) {
                Some(ConnectionSettings::Sqlite { file }) => Some(file.clone()),
                _ => None,
            });
            if let Some(file) = saved.filter(|f| !names.contains(f)) {
                names.insert(0, file);
            }
            let none_found = names.is_empty();
            view! {
                <div class="field">
                    <label class="field-label" for="source-sqlite-file">"SQLite file"</label>
                    <select id="source-sqlite-file" data-testid="source-sqlite-file" required=true
                        prop:value=move || form.sqlite_file.get()
                        on:change=move |ev| form.sqlite_file.set(event_target_value(&ev))>
                        <option value="" disabled=true selected=move || form.sqlite_file.with(String::is_empty)>
                            "Choose a file…"
                        </option>
                        {names.into_iter().map(|name| {
                            let (value, label) = (name.clone(), name.clone());
                            view! {
                                <option value=name selected=move || form.sqlite_file.with(|f| *f == value)>{label}</option>
                            }
                        }).collect_view()}
                    </select>
                    {none_found.then(|| view! {
                        <p class="field-hint muted small">"The sources directory holds no SQLite files yet."</p>
                    })}
                </div>
            }
            .into_any()
        }
    }
}

#[component]
fn WritableWarning(privileges: Vec<String>, form: SourceForm) -> impl IntoView {
    view! {
        <div class="note writable-warning" role="alert" data-testid="source-writable-warning">
            <strong>"This login can change data."</strong>
            <p>"Vizkraft only reads, and checks every query before it runs; a login that cannot write is the "
                "second lock. This one may:"</p>
            <ul class="privileges">
                {privileges.into_iter().map(|p| view! { <li><code>{p}</code></li> }).collect_view()}
            </ul>
            <label class="check">
                <input type="checkbox" data-testid="source-accept-writable"
                    prop:checked=move || form.accept_writable_login.get()
                    on:change=move |ev| form.accept_writable_login.set(event_target_checked(&ev)) />
                "I understand this login can change data; keep it"
            </label>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vizkraft_domain::api::sources::{SourceId, SourceSummary};

    fn network_draft() -> SourceDraft {
        SourceDraft {
            name: " Shop ".into(),
            host: " db.example.com ".into(),
            database: "shop".into(),
            user: "reader".into(),
            ..SourceDraft::default()
        }
    }

    fn saved(connection: ConnectionSettings, writable: Vec<String>) -> SourceDetails {
        SourceDetails {
            source: SourceSummary {
                id: SourceId("s1".into()),
                name: "Shop".into(),
                engine: connection.engine(),
                example_questions: Vec::new(),
            },
            connection,
            has_password: true,
            writable_privileges: writable,
            indexed_at: None,
        }
    }

    #[test]
    fn option_values_are_the_engines_wire_names_and_read_back() {
        for engine in ENGINES {
            let wire = serde_json::to_value(engine).unwrap();
            assert_eq!(wire, serde_json::Value::String(engine_value(engine).to_owned()));
            assert_eq!(engine_from_value(engine_value(engine)), Some(engine));
        }
        assert_eq!(engine_from_value("oracle"), None);
    }

    #[test]
    fn switching_engines_moves_a_default_port_and_keeps_a_typed_one() {
        assert_eq!(port_after_engine_change("5432", Engine::Mysql), "3306");
        assert_eq!(port_after_engine_change("3306", Engine::Postgres), "5432");
        assert_eq!(port_after_engine_change("", Engine::Mysql), "3306");
        assert_eq!(port_after_engine_change("6543", Engine::Mysql), "6543");
        assert_eq!(port_after_engine_change("5432", Engine::Sqlite), "5432");
    }

    #[test]
    fn a_new_source_starts_as_postgres_on_its_default_port() {
        let draft = SourceDraft::default();
        assert_eq!((draft.engine, draft.port.as_str()), (Engine::Postgres, "5432"));
    }

    #[test]
    fn the_request_trims_fields_and_leaves_out_an_empty_password_and_certificate() {
        let request = SourceDraft { ca_certificate: " \n".into(), ..network_draft() }.request().unwrap();
        assert_eq!(request.name, "Shop");
        assert_eq!(request.password, None);
        let ConnectionSettings::Postgres(network) = request.connection else { panic!("not postgres") };
        assert_eq!(network.host, "db.example.com");
        assert_eq!(network.port, 5432);
        assert_eq!(network.ca_certificate, None);
        assert!(!network.unencrypted);
    }

    #[test]
    fn a_typed_password_and_certificate_are_sent() {
        let draft = SourceDraft { password: " s3cret ".into(), ca_certificate: "PEM\n".into(), ..network_draft() };
        let request = draft.request().unwrap();
        assert_eq!(request.password.as_deref(), Some(" s3cret "), "passwords are sent exactly as typed");
        assert_eq!(request.connection.network().unwrap().ca_certificate.as_deref(), Some("PEM\n"));
    }

    #[test]
    fn an_unencrypted_connection_sends_no_certificate() {
        let draft = SourceDraft { unencrypted: true, ca_certificate: "PEM".into(), ..network_draft() };
        let network = draft.request().unwrap().connection.network().cloned().unwrap();
        assert!(network.unencrypted);
        assert_eq!(network.ca_certificate, None);
    }

    #[test]
    fn a_port_that_is_not_a_port_is_refused_before_sending() {
        for port in ["", "0", "65536", "abc"] {
            assert!(SourceDraft { port: port.into(), ..network_draft() }.request().is_err(), "{port:?}");
        }
    }

    #[test]
    fn sqlite_needs_a_chosen_file_and_never_sends_a_password() {
        let draft = SourceDraft { engine: Engine::Sqlite, password: "left over".into(), ..network_draft() };
        assert!(draft.request().is_err());
        let request = SourceDraft { sqlite_file: "shop.db".into(), ..draft }.request().unwrap();
        assert_eq!(request.connection, ConnectionSettings::Sqlite { file: "shop.db".into() });
        assert_eq!(request.password, None);
    }

    #[test]
    fn editing_starts_from_the_saved_settings_without_a_password() {
        let network = NetworkSettings {
            host: "db".into(),
            port: 3307,
            database: "shop".into(),
            user: "reader".into(),
            ca_certificate: Some("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into()),
            server_name: None,
            unencrypted: false,
        };
        let draft = SourceDraft::from_details(&saved(ConnectionSettings::Mysql(network.clone()), Vec::new()));
        assert_eq!(draft.engine, Engine::Mysql);
        assert_eq!(draft.port, "3307");
        assert_eq!(draft.password, "");
        assert!(!draft.accept_writable_login);
        let request = draft.request().unwrap();
        assert_eq!(request.connection, ConnectionSettings::Mysql(network), "unchanged settings come back unchanged");
        assert_eq!(request.password, None, "an untouched password field keeps the stored one");
    }

    #[test]
    fn a_writable_login_saved_before_stays_accepted_when_edited() {
        let details = saved(ConnectionSettings::Sqlite { file: "shop.db".into() }, vec!["INSERT on orders".into()]);
        let draft = SourceDraft::from_details(&details);
        assert!(draft.accept_writable_login);
        assert_eq!(draft.sqlite_file, "shop.db");
    }
}
