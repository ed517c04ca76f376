//! The admin side of sources: add, test, edit, remove, refresh, and the SQLite files on offer.
//! Every change is tested first (connect, check what the login may change, read the catalog),
//! and a password is sealed in the vault in the same transaction that records the source.

use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use vizkraft_domain::api::audit::AuditEventKind;
use vizkraft_domain::api::auth::Permission;
use vizkraft_domain::api::sources::{
    ConnectionFailure, ConnectionFailureKind as Kind, ConnectionSettings, ConnectionTestResponse,
    ListSourceDetailsResponse, SchemaRefreshResponse, SourceDetails, SourceId, SourceRequest, SourceSummary,
    SqliteFilesResponse,
};
use vizkraft_domain::semantic::SchemaModel;
use vizkraft_domain::{ApiError, ErrorCode};
use zeroize::Zeroizing;

use super::network::{self, Session};
use super::{engine_name, examples, slug, sqlite, stored_password, Source, SourceConnection, SourceRegistry};
use crate::access::{Access, ApiRoutes, ClientAddress, Principal};
use crate::audit::{self, Entry};
use crate::error::{ApiJson, RelayError};
use crate::schema;
use crate::state::MetaStore;
use crate::vault::{self, Binding, Secret};

const MAX_NAME_CHARS: usize = 100;

pub fn routes() -> ApiRoutes {
    let manage = Access::Permission(Permission::ManageSources);
    ApiRoutes::default()
        .get("/sources/settings", manage, list_source_settings)
        .get("/sources/sqlite-files", manage, list_sqlite_files)
        .post("/sources", manage, add_source)
        .post("/sources/test", manage, test_new_source)
        .put("/sources/{id}", manage, change_source)
        .delete("/sources/{id}", manage, remove_source)
        .post("/sources/{id}/test", manage, test_saved_source)
        .post("/sources/{id}/refresh", manage, refresh_source)
}

/// What a successful test found, kept so that saving needs no second connection.
struct Probe {
    connection: SourceConnection,
    response: ConnectionTestResponse,
    model: SchemaModel,
}

impl SourceRegistry {
    /// Connects with `settings`, reads what the login may change and the catalog.
    async fn probe(
        &self,
        settings: &ConnectionSettings,
        password: Option<&Secret>,
        organisation_id: &str,
        id: &str,
    ) -> Result<Probe, ConnectionFailure> {
        let catalog_failed = |e: sqlx::Error| network::classify(&e);
        match settings {
            ConnectionSettings::Sqlite { .. } => {
                let connection = self.connection_for(settings, organisation_id, id).await?;
                let SourceConnection::Sqlite(pool) = &connection else {
                    return Err(super::tls_bridge::failure(Kind::Other, "not a SQLite source"));
                };
                let model = schema::index_sqlite(pool).await.map_err(catalog_failed)?;
                let version: String =
                    sqlx::query_scalar("SELECT sqlite_version()").fetch_one(pool).await.map_err(catalog_failed)?;
                let response = ConnectionTestResponse {
                    server_version: Some(format!("SQLite {version}")),
                    table_count: model.tables.len(),
                    ..ConnectionTestResponse::default()
                };
                Ok(Probe { connection, response, model })
            }
            ConnectionSettings::Postgres(network) | ConnectionSettings::Mysql(network) => {
                let (mut session, info) =
                    network::connect(settings.engine(), network, password, &self.policy()).await?;
                let writable_privileges = session.writable_privileges().await.map_err(catalog_failed)?;
                let refused = network::refused_privileges(&writable_privileges);
                if !refused.is_empty() {
                    return Err(super::tls_bridge::failure(
                        Kind::PrivilegedLogin,
                        format!(
                            "This login has privileges no data source may have ({}): with them it reaches past a \
                             read-only transaction. Create a login that may only read.",
                            refused.join("; ")
                        ),
                    ));
                }
                let model = schema::index_session(&mut session).await.map_err(catalog_failed)?;
                let source = self.network_source(settings.engine(), network.clone(), organisation_id, id);
                let response = ConnectionTestResponse {
                    failure: None,
                    server_version: Some(info.version),
                    tls_version: info.tls_version,
                    writable_privileges,
                    table_count: model.tables.len(),
                };
                drop::<Session>(session);
                Ok(Probe { connection: SourceConnection::Network(Arc::new(source)), response, model })
            }
        }
    }
}

/// Takes the password out of the request into a `Secret`, so the request's copy is wiped now.
fn take_password(request: &mut SourceRequest) -> Option<Secret> {
    request.password.take().filter(|p| !p.is_empty()).map(|p| Secret::new(Zeroizing::new(p.into_bytes())))
}

fn check_name(name: &str) -> Result<String, RelayError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(RelayError::BadRequest(format!("Give the source a name of 1 to {MAX_NAME_CHARS} characters.")));
    }
    Ok(name.to_owned())
}

/// A stored password is only ever sent to the server and login it was saved for; pointing a
/// source elsewhere needs the password typed again.
fn same_destination(old: &ConnectionSettings, new: &ConnectionSettings) -> bool {
    match (old.network(), new.network()) {
        (Some(a), Some(b)) => {
            old.engine() == new.engine()
                && a.host == b.host
                && a.port == b.port
                && a.user == b.user
                && a.ca_certificate == b.ca_certificate
                && a.server_name == b.server_name
                && a.unencrypted == b.unencrypted
        }
        _ => false,
    }
}

/// The password to test or save with: the one typed, or the stored one when the destination
/// is unchanged.
async fn password_for(
    registry: &SourceRegistry,
    existing: Option<&Source>,
    settings: &ConnectionSettings,
    typed: Option<Secret>,
) -> Result<Option<Secret>, RelayError> {
    if typed.is_some() || settings.network().is_none() {
        return Ok(typed);
    }
    let Some(existing) = existing else { return Ok(None) };
    let Some(old) = &existing.settings else { return Ok(None) };
    let organisation_id = existing.organisation_id.as_deref().unwrap_or_default();
    let binding = Binding::source_credential(organisation_id, &existing.summary.id.0);
    let stored = stored_password(&registry.meta, &registry.vault, &binding).await.map_err(connection_failed)?;
    if stored.is_some() && !same_destination(old, settings) {
        return Err(RelayError::BadRequest(
            "Type the password again: the server, login or TLS settings changed, and a stored password is only \
             ever sent to the server it was saved for."
                .into(),
        ));
    }
    Ok(stored)
}

fn connection_failed(failure: ConnectionFailure) -> RelayError {
    RelayError::Query(ApiError::new(ErrorCode::ConnectionFailed, failure.message))
}

fn test_response(outcome: Result<Probe, ConnectionFailure>) -> ConnectionTestResponse {
    match outcome {
        Ok(probe) => probe.response,
        Err(failure) => ConnectionTestResponse { failure: Some(failure), ..ConnectionTestResponse::default() },
    }
}

#[utoipa::path(post, path = "/api/v1/sources/test", tag = "sources", request_body = SourceRequest,
    responses((status = 200, description = "What the connection found, or precisely what failed", body = ConnectionTestResponse)))]
pub async fn test_new_source(
    State(registry): State<Arc<SourceRegistry>>,
    principal: Principal,
    ApiJson(mut request): ApiJson<SourceRequest>,
) -> ApiJson<ConnectionTestResponse> {
    let password = take_password(&mut request);
    let probe = registry.probe(&request.connection, password.as_ref(), &principal.organisation_id, "").await;
    ApiJson(test_response(probe))
}

#[utoipa::path(post, path = "/api/v1/sources/{id}/test", tag = "sources", request_body = SourceRequest,
    params(("id" = String, Path, description = "Source id")),
    responses((status = 200, body = ConnectionTestResponse), (status = 404, body = ApiError)))]
pub async fn test_saved_source(
    State(registry): State<Arc<SourceRegistry>>,
    principal: Principal,
    UrlPath(id): UrlPath<String>,
    ApiJson(mut request): ApiJson<SourceRequest>,
) -> Result<ApiJson<ConnectionTestResponse>, RelayError> {
    let existing = registry.get(&principal.organisation_id, &SourceId(id.clone())).await?;
    let typed = take_password(&mut request);
    let password = password_for(&registry, Some(&existing), &request.connection, typed).await?;
    let probe = registry.probe(&request.connection, password.as_ref(), &principal.organisation_id, &id).await;
    Ok(ApiJson(test_response(probe)))
}

#[utoipa::path(post, path = "/api/v1/sources", tag = "sources", request_body = SourceRequest,
    responses((status = 201, body = SourceDetails),
              (status = 400, description = "`connection_failed` (the message says what failed) or `bad_request`", body = ApiError)))]
pub async fn add_source(
    State(registry): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    ApiJson(mut request): ApiJson<SourceRequest>,
) -> Result<(StatusCode, ApiJson<SourceDetails>), RelayError> {
    let name = check_name(&request.name)?;
    let password = take_password(&mut request);
    let id = unused_id(&registry, &meta, &name).await?;
    let details = save(&registry, &meta, &principal, &id, &name, request, password).await?;
    record(&meta, &principal, address, AuditEventKind::SourceAdded, &name).await?;
    Ok((StatusCode::CREATED, ApiJson(details)))
}

#[utoipa::path(put, path = "/api/v1/sources/{id}", tag = "sources", request_body = SourceRequest,
    params(("id" = String, Path, description = "Source id")),
    responses((status = 200, body = SourceDetails), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn change_source(
    State(registry): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    UrlPath(id): UrlPath<String>,
    ApiJson(mut request): ApiJson<SourceRequest>,
) -> Result<ApiJson<SourceDetails>, RelayError> {
    let existing = editable(&registry, &principal, &id).await?;
    let name = check_name(&request.name)?;
    let typed = take_password(&mut request);
    let password = password_for(&registry, Some(&existing), &request.connection, typed).await?;
    let details = save(&registry, &meta, &principal, &id, &name, request, password).await?;
    record(&meta, &principal, address, AuditEventKind::SourceChanged, &name).await?;
    Ok(ApiJson(details))
}

#[utoipa::path(delete, path = "/api/v1/sources/{id}", tag = "sources",
    params(("id" = String, Path, description = "Source id")),
    responses((status = 204), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn remove_source(
    State(registry): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    UrlPath(id): UrlPath<String>,
) -> Result<StatusCode, RelayError> {
    let existing = editable(&registry, &principal, &id).await?;
    let mut tx = meta.0.begin().await?;
    sqlx::query("DELETE FROM sources WHERE id = ?").bind(&id).execute(&mut *tx).await?;
    vault::store::delete_credential(&mut *tx, &Binding::source_credential(&principal.organisation_id, &id)).await?;
    tx.commit().await?;
    registry.remove(&existing.summary.id).await;
    record(&meta, &principal, address, AuditEventKind::SourceRemoved, &existing.summary.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/sources/{id}/refresh", tag = "sources",
    params(("id" = String, Path, description = "Source id")),
    responses((status = 200, body = SchemaRefreshResponse), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn refresh_source(
    State(registry): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    principal: Principal,
    UrlPath(id): UrlPath<String>,
) -> Result<ApiJson<SchemaRefreshResponse>, RelayError> {
    let source = registry.get(&principal.organisation_id, &SourceId(id)).await?;
    let reading = super::refresh::refresh(&meta, &source).await.map_err(connection_failed)?;
    Ok(ApiJson(SchemaRefreshResponse { indexed_at: reading.indexed_at, changes: reading.changes }))
}

#[utoipa::path(get, path = "/api/v1/sources/settings", tag = "sources",
    responses((status = 200, body = ListSourceDetailsResponse)))]
pub async fn list_source_settings(
    State(registry): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    principal: Principal,
) -> Result<ApiJson<ListSourceDetailsResponse>, RelayError> {
    let mut response = ListSourceDetailsResponse { sources: Vec::new(), read_only_ids: Vec::new() };
    for source in registry.of_organisation(&principal.organisation_id).await {
        let Some(settings) = &source.settings else {
            response.read_only_ids.push(source.summary.id.clone());
            continue;
        };
        let binding = Binding::source_credential(&principal.organisation_id, &source.summary.id.0);
        let has_password = vault::store::get_credential(&meta.0, &binding).await?.is_some();
        let indexed_at = schema::load_snapshot(&meta, &source.summary.id).await.ok().map(|s| s.indexed_at);
        response.sources.push(SourceDetails {
            source: source.summary.clone(),
            connection: settings.clone(),
            has_password,
            writable_privileges: source.writable_privileges.clone(),
            indexed_at,
        });
    }
    Ok(ApiJson(response))
}

#[utoipa::path(get, path = "/api/v1/sources/sqlite-files", tag = "sources",
    responses((status = 200, body = SqliteFilesResponse)))]
pub async fn list_sqlite_files(State(registry): State<Arc<SourceRegistry>>) -> ApiJson<SqliteFilesResponse> {
    let config = &registry.config;
    let files = match &config.sqlite_dir {
        Some(dir) => sqlite::list_files(dir, &config.data_dir),
        None => Vec::new(),
    };
    ApiJson(SqliteFilesResponse { directory_configured: config.sqlite_dir.is_some(), files })
}

/// A source this organisation's admins may change: one added through the API.
async fn editable(registry: &SourceRegistry, principal: &Principal, id: &str) -> Result<Arc<Source>, RelayError> {
    let source = registry.get(&principal.organisation_id, &SourceId(id.to_owned())).await?;
    if source.settings.is_none() {
        return Err(RelayError::Conflict(
            "This source comes from the relay's command line; its operator changes it there.".into(),
        ));
    }
    Ok(source)
}

/// Tests the settings, then records the source, its sealed password and its catalog snapshot
/// in one transaction, and registers it.
async fn save(
    registry: &SourceRegistry,
    meta: &MetaStore,
    principal: &Principal,
    id: &str,
    name: &str,
    request: SourceRequest,
    password: Option<Secret>,
) -> Result<SourceDetails, RelayError> {
    let organisation_id = &principal.organisation_id;
    let probe =
        registry.probe(&request.connection, password.as_ref(), organisation_id, id).await.map_err(connection_failed)?;
    let writable = probe.response.writable_privileges.clone();
    if !writable.is_empty() && !request.accept_writable_login {
        return Err(connection_failed(ConnectionFailure {
            kind: Kind::WritableLogin,
            message: format!(
                "This login can change data ({}). Use a read-only login, or accept the warning to keep this one.",
                writable.join("; ")
            ),
        }));
    }
    let binding = Binding::source_credential(organisation_id, id);
    let sealed = password.as_ref().map(|p| registry.vault.seal(p.expose_secret(), &binding)).transpose()?;
    let location = match &request.connection {
        ConnectionSettings::Sqlite { file } => file.clone(),
        ConnectionSettings::Postgres(n) | ConnectionSettings::Mysql(n) => {
            format!("{}:{}/{}", n.host, n.port, n.database)
        }
    };

    let mut tx = meta.0.begin().await?;
    sqlx::query(
        "INSERT INTO sources (id, name, engine, location, organisation_id, settings, writable_privileges)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, engine = excluded.engine, location = excluded.location,
             settings = excluded.settings, writable_privileges = excluded.writable_privileges",
    )
    .bind(id)
    .bind(name)
    .bind(engine_name(request.connection.engine()))
    .bind(&location)
    .bind(organisation_id)
    .bind(serde_json::to_string(&request.connection).map_err(anyhow::Error::from)?)
    .bind(serde_json::to_string(&writable).map_err(anyhow::Error::from)?)
    .execute(&mut *tx)
    .await?;
    match &sealed {
        Some(sealed) => vault::store::put_credential(&mut *tx, &binding, sealed).await?,
        // A source that no longer uses a password (SQLite, or trust authentication) keeps none.
        None => {
            vault::store::delete_credential(&mut *tx, &binding).await?;
        }
    }
    tx.commit().await?;
    let reading = schema::save_snapshot(meta, id, &probe.model).await?;

    let summary = SourceSummary {
        id: SourceId(id.to_owned()),
        name: name.to_owned(),
        engine: request.connection.engine(),
        example_questions: examples::suggest(&probe.model),
    };
    let has_password = vault::store::get_credential(&meta.0, &binding).await?.is_some();
    registry
        .insert(Source {
            summary: summary.clone(),
            organisation_id: Some(organisation_id.clone()),
            connection: probe.connection,
            settings: Some(request.connection.clone()),
            writable_privileges: writable.clone(),
        })
        .await;
    Ok(SourceDetails {
        source: summary,
        connection: request.connection,
        has_password,
        writable_privileges: writable,
        indexed_at: Some(reading.indexed_at),
    })
}

/// `name` as an id no source uses yet (ids are global, so another organisation's count too).
async fn unused_id(registry: &SourceRegistry, meta: &MetaStore, name: &str) -> Result<String, RelayError> {
    let base = slug(name);
    for n in 1..1000 {
        let id = if n == 1 { base.clone() } else { format!("{base}-{n}") };
        let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sources WHERE id = ?)")
            .bind(&id)
            .fetch_one(&meta.0)
            .await?;
        if !taken && !registry.contains(&SourceId(id.clone())).await {
            return Ok(id);
        }
    }
    Err(RelayError::Conflict("Too many sources share this name; choose another.".into()))
}

async fn record(
    meta: &MetaStore,
    principal: &Principal,
    address: ClientAddress,
    kind: AuditEventKind,
    name: &str,
) -> Result<(), RelayError> {
    audit::record(
        meta,
        Entry {
            organisation_id: Some(&principal.organisation_id),
            kind,
            actor: Some(&principal.audit_name()),
            subject: Some(name),
            address: address.to_audit(),
        },
    )
    .await
}
