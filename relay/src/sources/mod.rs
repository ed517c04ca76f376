//! Data sources: the registry of sources each organisation can query, how each is reached
//! (a read-only SQLite file or a pool of read-only network sessions), the routes that list
//! them and serve their schemas, and (in `manage`) the admin routes that add, test, edit and
//! remove them.

pub mod address;
mod examples;
pub mod manage;
pub mod network;
mod pool;
mod refresh;
mod sqlite;
mod tls_bridge;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use axum::extract::{Path as UrlPath, State};
use tokio::sync::RwLock;
use vizkraft_domain::api::auth::Permission;
use vizkraft_domain::api::sources::{
    ConnectionFailure, ConnectionFailureKind, ConnectionSettings, ListSourcesResponse, NetworkSettings, SourceId,
    SourceSchemaResponse, SourceSummary,
};
use vizkraft_domain::semantic::{Engine, SchemaModel};

use crate::access::{Access, ApiRoutes, Principal};
use crate::config::SourceOptions;
use crate::error::{ApiJson, RelayError};
use crate::schema;
use crate::state::MetaStore;
use crate::vault::{self, Binding, Secret, Vault};
use address::AddressPolicy;
use network::{ServerInfo, Session};
use pool::{SessionPool, PING_AFTER};

pub use pool::Lease;
pub use refresh::refresh_on_schedule;
pub use sqlite::open_read_only;

/// Concurrent queries per source; more wait for a free connection.
pub const MAX_CONNECTIONS_PER_SOURCE: u32 = 4;
/// Longest a query waits for a free session of its source.
const SESSION_WAIT: Duration = Duration::from_secs(30);

/// Id of the embedded demo database.
pub const DEMO_SOURCE_ID: &str = "demo";

pub fn routes() -> ApiRoutes {
    let view = Access::Permission(Permission::ViewSources);
    ApiRoutes::default()
        .get("/sources", view, list_sources)
        .get("/sources/{id}/schema", view, get_source_schema)
        .merge(manage::routes())
}

/// One queryable source: its public summary, the organisation it belongs to, and how to reach it.
pub struct Source {
    pub summary: SourceSummary,
    /// `None` until the first organisation exists; such a source is visible to nobody.
    pub organisation_id: Option<String>,
    pub connection: SourceConnection,
    /// How an admin configured it; `None` for sources from the relay's command line.
    pub settings: Option<ConnectionSettings>,
    /// What its login may change, as accepted by an admin.
    pub writable_privileges: Vec<String>,
}

impl Source {
    pub fn engine(&self) -> Engine {
        self.summary.engine
    }
}

pub enum SourceConnection {
    Sqlite(sqlx::SqlitePool),
    Network(Arc<NetworkSource>),
}

/// A PostgreSQL or MySQL/MariaDB source: its settings, and the session pool that opens its
/// password from the vault each time it connects.
pub struct NetworkSource {
    pub engine: Engine,
    pub settings: NetworkSettings,
    binding: Binding,
    meta: MetaStore,
    vault: Arc<Vault>,
    policy: AddressPolicy,
    pool: Arc<SessionPool>,
}

impl NetworkSource {
    /// A session for one query: an idle one if it still answers, or a new one.
    pub async fn lease(&self) -> Result<Lease, ConnectionFailure> {
        let busy = || {
            tls_bridge::failure(
                ConnectionFailureKind::Timeout,
                "Every connection to this data source is busy; try again in a moment.",
            )
        };
        let slot = tokio::time::timeout(SESSION_WAIT, self.pool.slot()).await.map_err(|_| busy())?.ok_or_else(busy)?;
        while let Some((mut session, idle_for)) = self.pool.take_idle() {
            if idle_for < PING_AFTER || session.ping().await.is_ok() {
                return Ok(Lease::new(session, self.pool.clone(), slot));
            }
        }
        let (session, _) = self.open_session().await?;
        Ok(Lease::new(session, self.pool.clone(), slot))
    }

    /// A new session outside the pool's limit, for cancelling another session's query.
    pub async fn open_session(&self) -> Result<(Session, ServerInfo), ConnectionFailure> {
        let password = stored_password(&self.meta, &self.vault, &self.binding).await?;
        network::connect(self.engine, &self.settings, password.as_ref(), &self.policy).await
    }
}

/// The source's stored password, opened for one connection attempt.
async fn stored_password(
    meta: &MetaStore,
    vault: &Vault,
    binding: &Binding,
) -> Result<Option<Secret>, ConnectionFailure> {
    let unavailable = |e: String| {
        tracing::error!(source = %binding.source_id, error = %e, "cannot open the stored credential");
        tls_bridge::failure(
            ConnectionFailureKind::Other,
            "The stored password cannot be opened; the relay's log says why.",
        )
    };
    let sealed = vault::store::get_credential(&meta.0, binding).await.map_err(|e| unavailable(format!("{e:#}")))?;
    sealed.map(|sealed| vault.open(&sealed, binding).map_err(|e| unavailable(e.to_string()))).transpose()
}

/// What the relay's operator allows sources to be.
pub struct SourcesConfig {
    pub sqlite_dir: Option<PathBuf>,
    /// The relay's own files, which are never offered or opened as a source.
    pub data_dir: PathBuf,
    pub allow: Vec<ipnet::IpNet>,
    pub deny: Vec<ipnet::IpNet>,
}

/// Sources by id, with what every new one needs to connect.
pub struct SourceRegistry {
    sources: RwLock<BTreeMap<SourceId, Arc<Source>>>,
    config: SourcesConfig,
    relay_address: OnceLock<SocketAddr>,
    meta: MetaStore,
    vault: Arc<Vault>,
}

impl SourceRegistry {
    pub fn new(options: &SourceOptions, data_dir: &Path, meta: MetaStore, vault: Arc<Vault>) -> SourceRegistry {
        SourceRegistry {
            sources: RwLock::default(),
            config: SourcesConfig {
                sqlite_dir: options.sqlite_dir.clone(),
                data_dir: data_dir.to_owned(),
                allow: options.allow.clone(),
                deny: options.deny.clone(),
            },
            relay_address: OnceLock::new(),
            meta,
            vault,
        }
    }

    /// Where this relay listens, once bound: sources may not point back at it.
    pub fn set_relay_address(&self, address: SocketAddr) {
        let _ = self.relay_address.set(address);
    }

    pub fn policy(&self) -> AddressPolicy {
        AddressPolicy {
            allow: self.config.allow.clone(),
            deny: self.config.deny.clone(),
            relay_address: self.relay_address.get().copied(),
        }
    }

    /// The source if it belongs to `organisation_id`; another organisation's source is
    /// "not found", exactly like a missing one.
    pub async fn get(&self, organisation_id: &str, id: &SourceId) -> Result<Arc<Source>, RelayError> {
        let sources = self.sources.read().await;
        sources
            .get(id)
            .filter(|s| s.organisation_id.as_deref() == Some(organisation_id))
            .cloned()
            .ok_or(RelayError::NotFound("source"))
    }

    pub async fn of_organisation(&self, organisation_id: &str) -> Vec<Arc<Source>> {
        let sources = self.sources.read().await;
        sources.values().filter(|s| s.organisation_id.as_deref() == Some(organisation_id)).cloned().collect()
    }

    pub async fn all(&self) -> Vec<Arc<Source>> {
        self.sources.read().await.values().cloned().collect()
    }

    async fn contains(&self, id: &SourceId) -> bool {
        self.sources.read().await.contains_key(id)
    }

    fn insert_now(sources: &mut BTreeMap<SourceId, Arc<Source>>, source: Source) {
        if let Some(SourceConnection::Network(old)) = sources.get(&source.summary.id).map(|s| &s.connection) {
            old.pool.clear();
        }
        sources.insert(source.summary.id.clone(), Arc::new(source));
    }

    async fn insert(&self, source: Source) {
        Self::insert_now(&mut *self.sources.write().await, source);
    }

    async fn remove(&self, id: &SourceId) {
        if let Some(source) = self.sources.write().await.remove(id) {
            if let SourceConnection::Network(network) = &source.connection {
                network.pool.clear();
            }
        }
    }

    /// Gives every source without an organisation to `organisation_id` (the first one, at set-up).
    pub async fn claim_unowned(&self, organisation_id: &str) {
        let mut sources = self.sources.write().await;
        for source in sources.values_mut() {
            if source.organisation_id.is_none() {
                let connection = match &source.connection {
                    SourceConnection::Sqlite(pool) => SourceConnection::Sqlite(pool.clone()),
                    SourceConnection::Network(network) => SourceConnection::Network(network.clone()),
                };
                *source = Arc::new(Source {
                    summary: source.summary.clone(),
                    organisation_id: Some(organisation_id.to_owned()),
                    connection,
                    settings: source.settings.clone(),
                    writable_privileges: source.writable_privileges.clone(),
                });
            }
        }
    }

    /// The pool for a network source of `organisation_id`.
    fn network_source(
        &self,
        engine: Engine,
        settings: NetworkSettings,
        organisation_id: &str,
        id: &str,
    ) -> NetworkSource {
        NetworkSource {
            engine,
            settings,
            binding: Binding::source_credential(organisation_id, id),
            meta: self.meta.clone(),
            vault: self.vault.clone(),
            policy: self.policy(),
            pool: SessionPool::new(MAX_CONNECTIONS_PER_SOURCE as usize),
        }
    }

    /// Registers (or re-registers) a SQLite file from the operator's command line as a source,
    /// indexes its catalog and keeps the snapshot in the metadata store.
    pub async fn add_sqlite(
        &self,
        meta: &MetaStore,
        id: &str,
        name: &str,
        path: &Path,
        examples: Option<Vec<String>>,
    ) -> anyhow::Result<()> {
        let path = path.canonicalize().with_context(|| format!("cannot open SQLite source {}", path.display()))?;
        let pool =
            open_read_only(&path).await.with_context(|| format!("cannot open SQLite source {}", path.display()))?;
        let model = schema::index_sqlite(&pool)
            .await
            .with_context(|| format!("cannot read the catalog of {}", path.display()))?;
        let organisation_id = upsert_operator_source(meta, id, name, Engine::Sqlite, &path).await?;
        schema::save_snapshot(meta, id, &model).await?;
        let example_questions = examples.unwrap_or_else(|| examples::suggest(&model));
        let summary = SourceSummary {
            id: SourceId(id.to_owned()),
            name: name.to_owned(),
            engine: Engine::Sqlite,
            example_questions,
        };
        self.insert(Source {
            summary,
            organisation_id,
            connection: SourceConnection::Sqlite(pool),
            settings: None,
            writable_privileges: Vec::new(),
        })
        .await;
        Ok(())
    }

    /// Registers every source admins added, as stored. Network sources connect on first use;
    /// a SQLite file that has gone is logged and left out.
    pub async fn load_managed(&self) -> anyhow::Result<()> {
        let rows: Vec<(String, String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT id, name, organisation_id, settings, writable_privileges FROM sources WHERE settings IS NOT NULL",
        )
        .fetch_all(&self.meta.0)
        .await?;
        for (id, name, organisation_id, settings, writable) in rows {
            let settings: ConnectionSettings = serde_json::from_str(&settings)
                .with_context(|| format!("stored settings of source {id} do not parse"))?;
            let writable_privileges: Vec<String> = serde_json::from_str(&writable).unwrap_or_default();
            let model = schema::load_snapshot(&self.meta, &SourceId(id.clone())).await.map(|s| s.model).ok();
            let Some(organisation_id) = organisation_id else { continue };
            match self.connection_for(&settings, &organisation_id, &id).await {
                Ok(connection) => {
                    let summary = SourceSummary {
                        id: SourceId(id.clone()),
                        name,
                        engine: settings.engine(),
                        example_questions: model.as_ref().map(examples::suggest).unwrap_or_default(),
                    };
                    self.insert(Source {
                        summary,
                        organisation_id: Some(organisation_id),
                        connection,
                        settings: Some(settings),
                        writable_privileges,
                    })
                    .await;
                }
                Err(failure) => tracing::warn!(source = %id, reason = %failure.message, "source left out"),
            }
        }
        Ok(())
    }

    /// How to reach a source with these settings (network sources connect lazily).
    async fn connection_for(
        &self,
        settings: &ConnectionSettings,
        organisation_id: &str,
        id: &str,
    ) -> Result<SourceConnection, ConnectionFailure> {
        match settings {
            ConnectionSettings::Sqlite { file } => {
                let path = self.sqlite_file(file)?;
                let pool = open_read_only(&path).await.map_err(|e| sqlite::refused(&path, &e))?;
                Ok(SourceConnection::Sqlite(pool))
            }
            ConnectionSettings::Postgres(network) | ConnectionSettings::Mysql(network) => {
                Ok(SourceConnection::Network(Arc::new(self.network_source(
                    settings.engine(),
                    network.clone(),
                    organisation_id,
                    id,
                ))))
            }
        }
    }

    /// `file` inside the operator's SQLite directory, or why not.
    fn sqlite_file(&self, file: &str) -> Result<PathBuf, ConnectionFailure> {
        let Some(dir) = &self.config.sqlite_dir else {
            return Err(tls_bridge::failure(
                ConnectionFailureKind::FileRefused,
                "The relay's operator has not set a SQLite directory (--sqlite-dir), so SQLite sources cannot be added.",
            ));
        };
        sqlite::resolve_in(dir, &self.config.data_dir, file)
    }
}

/// Records an operator-configured source and returns the organisation it belongs to: the
/// first organisation (the one created at set-up) when there is one.
async fn upsert_operator_source(
    meta: &MetaStore,
    id: &str,
    name: &str,
    engine: Engine,
    location: &Path,
) -> anyhow::Result<Option<String>> {
    let organisation_id = sqlx::query_scalar(
        "INSERT INTO sources (id, name, engine, location, organisation_id)
         VALUES (?, ?, ?, ?, (SELECT id FROM organisations ORDER BY created_at, id LIMIT 1))
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, engine = excluded.engine, location = excluded.location,
             organisation_id = coalesce(sources.organisation_id, excluded.organisation_id)
         RETURNING organisation_id",
    )
    .bind(id)
    .bind(name)
    .bind(engine_name(engine))
    .bind(location.to_string_lossy())
    .fetch_one(&meta.0)
    .await?;
    Ok(organisation_id)
}

/// The engine's name as the `sources.engine` column stores it.
fn engine_name(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
        Engine::Mysql => "mysql",
    }
}

/// A URL-safe source id from a name: `Chinook_Sqlite.db` → `chinook-sqlite-db`.
pub fn slug(name: &str) -> String {
    let id: String = name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let mut id = id.split('-').filter(|part| !part.is_empty()).collect::<Vec<_>>().join("-");
    id.truncate(40);
    let id = id.trim_matches('-').to_owned();
    if id.is_empty() {
        "source".to_owned()
    } else {
        id
    }
}

/// A URL-safe source id from a file name: `Chinook_Sqlite.db` → `chinook-sqlite`.
pub fn source_id_for(path: &Path) -> String {
    slug(&path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default())
}

pub fn display_name_for(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| PathBuf::from(path).display().to_string())
}

#[utoipa::path(get, path = "/api/v1/sources", tag = "sources",
    responses((status = 200, body = ListSourcesResponse)))]
pub async fn list_sources(
    State(sources): State<Arc<SourceRegistry>>,
    principal: Principal,
) -> ApiJson<ListSourcesResponse> {
    let sources = sources.of_organisation(&principal.organisation_id).await;
    ApiJson(ListSourcesResponse { sources: sources.iter().map(|s| s.summary.clone()).collect() })
}

#[utoipa::path(get, path = "/api/v1/sources/{id}/schema", tag = "sources",
    params(("id" = String, Path, description = "Source id")),
    responses((status = 200, body = SourceSchemaResponse), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn get_source_schema(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    principal: Principal,
    UrlPath(id): UrlPath<String>,
) -> Result<ApiJson<SourceSchemaResponse>, RelayError> {
    let source = sources.get(&principal.organisation_id, &SourceId(id)).await?;
    let snapshot = schema::load_snapshot(&meta, &source.summary.id).await?;
    Ok(ApiJson(SourceSchemaResponse {
        source: source.summary.clone(),
        indexed_at: snapshot.indexed_at,
        schema: snapshot.model,
        changes: snapshot.changes,
        changed_at: snapshot.changed_at,
    }))
}

/// The schema model a question is compiled against.
pub async fn model_of(meta: &MetaStore, source: &Source) -> Result<SchemaModel, RelayError> {
    Ok(schema::load_snapshot(meta, &source.summary.id).await?.model)
}
