//! Saved charts: an organisation's questions kept as SQL, chart settings and source, with who
//! saved them when and on which schema version. Only definitions are stored; opening a saved
//! chart runs its SQL live through the guard and a read-only session, like any query.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::Row;
use vizkraft_domain::api::audit::AuditEventKind;
use vizkraft_domain::api::auth::Permission;
use vizkraft_domain::api::charts::{ListSavedChartsResponse, SavedChart, SavedChartRequest};
use vizkraft_domain::api::sources::SourceId;
use vizkraft_domain::guard;

use crate::access::{new_id, unix_now, Access, ApiRoutes, ClientAddress, Principal};
use crate::audit;
use crate::config::QueryLimits;
use crate::error::{ApiJson, RelayError};
use crate::query::ResultEncoding;
use crate::sources::SourceRegistry;
use crate::state::MetaStore;

const MAX_NAME_CHARS: usize = 200;
const MAX_QUESTION_CHARS: usize = 2_000;
const MAX_SQL_BYTES: usize = 100_000;

pub fn routes() -> ApiRoutes {
    let view = Access::Permission(Permission::ViewDashboards);
    let save = Access::Permission(Permission::SaveDashboards);
    ApiRoutes::default()
        .get("/charts", view, list_charts)
        .post("/charts", save, save_chart)
        .get("/charts/{id}", view, get_chart)
        .put("/charts/{id}", save, change_chart)
        .delete("/charts/{id}", save, delete_chart)
        .post("/charts/{id}/duplicate", save, duplicate_chart)
        .post("/charts/{id}/run", view, run_chart)
}

const COLUMNS: &str = "id, name, source_id, question, sql, chart, schema_indexed_at, created_by,
    strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch') AS created_at, updated_by,
    strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, 'unixepoch') AS updated_at";

fn saved_chart(row: &sqlx::sqlite::SqliteRow) -> Result<SavedChart, RelayError> {
    let chart: String = row.try_get("chart")?;
    Ok(SavedChart {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        source_id: SourceId(row.try_get("source_id")?),
        question: row.try_get("question")?,
        sql: row.try_get("sql")?,
        chart: serde_json::from_str(&chart).map_err(|e| anyhow::anyhow!("a stored chart spec: {e}"))?,
        schema_indexed_at: row.try_get("schema_indexed_at")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

async fn load(meta: &MetaStore, principal: &Principal, id: &str) -> Result<SavedChart, RelayError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM saved_charts WHERE id = ? AND organisation_id = ?"))
        .bind(id)
        .bind(&principal.organisation_id)
        .fetch_optional(&meta.0)
        .await?
        .ok_or(RelayError::NotFound("chart"))?;
    saved_chart(&row)
}

/// Checks a request and returns its trimmed name and the schema version of its source. The SQL
/// must pass the guard for the source's engine now, so a saved chart is a read-only query.
async fn validate(
    sources: &SourceRegistry,
    meta: &MetaStore,
    principal: &Principal,
    request: &SavedChartRequest,
) -> Result<(String, Option<String>), RelayError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(RelayError::BadRequest(format!("Give the chart a name of 1 to {MAX_NAME_CHARS} characters.")));
    }
    if request.question.chars().count() > MAX_QUESTION_CHARS {
        return Err(RelayError::BadRequest(format!("A question may have at most {MAX_QUESTION_CHARS} characters.")));
    }
    if request.sql.trim().is_empty() || request.sql.len() > MAX_SQL_BYTES {
        return Err(RelayError::BadRequest(format!("A chart needs SQL of at most {MAX_SQL_BYTES} bytes.")));
    }
    let source = sources.get(&principal.organisation_id, &request.source_id).await?;
    guard::check(&request.sql, source.engine())?;
    let indexed_at = crate::schema::load_snapshot(meta, &request.source_id).await.ok().map(|s| s.indexed_at);
    Ok((name.to_owned(), indexed_at))
}

#[utoipa::path(get, path = "/api/v1/charts", tag = "charts", responses((status = 200, body = ListSavedChartsResponse)))]
pub async fn list_charts(
    State(meta): State<MetaStore>,
    principal: Principal,
) -> Result<ApiJson<ListSavedChartsResponse>, RelayError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM saved_charts WHERE organisation_id = ? ORDER BY updated_at DESC, name"
    ))
    .bind(&principal.organisation_id)
    .fetch_all(&meta.0)
    .await?;
    Ok(ApiJson(ListSavedChartsResponse { charts: rows.iter().map(saved_chart).collect::<Result<_, _>>()? }))
}

#[utoipa::path(get, path = "/api/v1/charts/{id}", tag = "charts",
    responses((status = 200, body = SavedChart), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn get_chart(
    State(meta): State<MetaStore>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<ApiJson<SavedChart>, RelayError> {
    Ok(ApiJson(load(&meta, &principal, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/charts", tag = "charts", request_body = SavedChartRequest,
    responses((status = 200, body = SavedChart), (status = 400, body = vizkraft_domain::ApiError)))]
pub async fn save_chart(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    ApiJson(request): ApiJson<SavedChartRequest>,
) -> Result<ApiJson<SavedChart>, RelayError> {
    Ok(ApiJson(create(&sources, &meta, &principal, address, &request).await?))
}

/// Saves a new chart from `request`, checked, and records it in the audit log.
async fn create(
    sources: &SourceRegistry,
    meta: &MetaStore,
    principal: &Principal,
    address: ClientAddress,
    request: &SavedChartRequest,
) -> Result<SavedChart, RelayError> {
    let (name, indexed_at) = validate(sources, meta, principal, request).await?;
    let id = insert(meta, principal, &name, request, indexed_at.as_deref()).await?;
    audit::record_action(meta, principal, address, AuditEventKind::ChartSaved, &name).await;
    load(meta, principal, &id).await
}

async fn insert(
    meta: &MetaStore,
    principal: &Principal,
    name: &str,
    request: &SavedChartRequest,
    indexed_at: Option<&str>,
) -> Result<String, RelayError> {
    let id = new_id();
    let now = unix_now();
    let by = principal.audit_name();
    let chart = serde_json::to_string(&request.chart).map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO saved_charts (id, organisation_id, source_id, name, question, sql, chart, schema_indexed_at,
             created_by, created_at, updated_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&principal.organisation_id)
    .bind(&request.source_id.0)
    .bind(name)
    .bind(request.question.trim())
    .bind(&request.sql)
    .bind(chart)
    .bind(indexed_at)
    .bind(&by)
    .bind(now)
    .bind(&by)
    .bind(now)
    .execute(&meta.0)
    .await?;
    Ok(id)
}

#[utoipa::path(put, path = "/api/v1/charts/{id}", tag = "charts", request_body = SavedChartRequest,
    responses((status = 200, body = SavedChart), (status = 400, body = vizkraft_domain::ApiError),
              (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn change_chart(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<SavedChartRequest>,
) -> Result<ApiJson<SavedChart>, RelayError> {
    load(&meta, &principal, &id).await?;
    let (name, indexed_at) = validate(&sources, &meta, &principal, &request).await?;
    let chart = serde_json::to_string(&request.chart).map_err(anyhow::Error::from)?;
    sqlx::query(
        "UPDATE saved_charts SET source_id = ?, name = ?, question = ?, sql = ?, chart = ?, schema_indexed_at = ?,
             updated_by = ?, updated_at = ?
         WHERE id = ? AND organisation_id = ?",
    )
    .bind(&request.source_id.0)
    .bind(&name)
    .bind(request.question.trim())
    .bind(&request.sql)
    .bind(chart)
    .bind(indexed_at)
    .bind(principal.audit_name())
    .bind(unix_now())
    .bind(&id)
    .bind(&principal.organisation_id)
    .execute(&meta.0)
    .await?;
    audit::record_action(&meta, &principal, address, AuditEventKind::ChartChanged, &name).await;
    Ok(ApiJson(load(&meta, &principal, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/charts/{id}/duplicate", tag = "charts",
    responses((status = 200, body = SavedChart), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn duplicate_chart(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<ApiJson<SavedChart>, RelayError> {
    let original = load(&meta, &principal, &id).await?;
    let copy_name: String = format!("{} (copy)", original.name).chars().take(MAX_NAME_CHARS).collect();
    let request = SavedChartRequest {
        name: copy_name,
        source_id: original.source_id,
        question: original.question,
        sql: original.sql,
        chart: original.chart,
    };
    Ok(ApiJson(create(&sources, &meta, &principal, address, &request).await?))
}

#[utoipa::path(delete, path = "/api/v1/charts/{id}", tag = "charts",
    responses((status = 204), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn delete_chart(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, RelayError> {
    let chart = load(&meta, &principal, &id).await?;
    sqlx::query("DELETE FROM saved_charts WHERE id = ? AND organisation_id = ?")
        .bind(&id)
        .bind(&principal.organisation_id)
        .execute(&meta.0)
        .await?;
    audit::record_action(&meta, &principal, address, AuditEventKind::ChartDeleted, &chart.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs the chart's saved SQL, streamed like `/api/v1/query`: how viewers, who may not write
/// SQL, see a saved chart. The SQL is the stored one, never the client's.
#[utoipa::path(post, path = "/api/v1/charts/{id}/run", tag = "charts",
    responses((status = 200, description = "The result stream, as for /api/v1/query", content_type = "application/vnd.vizkraft.result.v1"),
              (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn run_chart(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    State(limits): State<QueryLimits>,
    principal: Principal,
    encoding: ResultEncoding,
    Path(id): Path<String>,
) -> Result<Response, RelayError> {
    let chart = load(&meta, &principal, &id).await?;
    let source = sources.get(&principal.organisation_id, &chart.source_id).await?;
    crate::query::stream_result(source, chart.sql, Vec::new(), limits, encoding).await
}
