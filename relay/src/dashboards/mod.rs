//! Dashboards: saved charts and text on a 12-column grid, in tabs, with filters bound to the
//! charts' result columns. Only definitions are stored; every tile runs live. Share links
//! (`share`) open one dashboard without an account.

mod filters;
pub mod share;

use std::collections::HashSet;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use sqlx::Row;
use vizkraft_domain::api::audit::AuditEventKind;
use vizkraft_domain::api::auth::Permission;
use vizkraft_domain::api::dashboards::{
    Dashboard, DashboardDefinition, DashboardRequest, FilterValues, ListDashboardsQuery, ListDashboardsResponse,
    TileContent, TileRunRequest,
};
use vizkraft_domain::guard;
use vizkraft_domain::layout::{self, Place, GRID_COLUMNS};

use crate::access::{new_id, unix_now, Access, ApiRoutes, ClientAddress, Principal};
use crate::audit;
use crate::config::QueryLimits;
use crate::error::{ApiJson, RelayError};
use crate::query::ResultEncoding;
use crate::sources::SourceRegistry;
use crate::state::MetaStore;

const MAX_NAME_CHARS: usize = 200;
const MAX_TABS: usize = 20;
const MAX_TILES: usize = 100;
const MAX_FILTERS: usize = 20;
const MAX_MARKDOWN_CHARS: usize = 10_000;
const MAX_SHORT_TEXT: usize = 200;

pub fn routes() -> ApiRoutes {
    let view = Access::Permission(Permission::ViewDashboards);
    let save = Access::Permission(Permission::SaveDashboards);
    ApiRoutes::default()
        .get("/dashboards", view, list_dashboards)
        .post("/dashboards", save, create_dashboard)
        .get("/dashboards/{id}", view, get_dashboard)
        .put("/dashboards/{id}", save, change_dashboard)
        .delete("/dashboards/{id}", save, delete_dashboard)
        .post("/dashboards/{id}/archive", save, archive_dashboard)
        .post("/dashboards/{id}/restore", save, restore_dashboard)
        .post("/dashboards/{id}/tiles/{tile_id}/run", view, run_tile)
        .merge(share::routes())
}

const COLUMNS: &str = "id, name, definition, created_by,
    strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch') AS created_at, updated_by,
    strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, 'unixepoch') AS updated_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', archived_at, 'unixepoch') AS archived_at";

fn dashboard(row: &sqlx::sqlite::SqliteRow) -> Result<Dashboard, RelayError> {
    let definition: String = row.try_get("definition")?;
    Ok(Dashboard {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        definition: serde_json::from_str(&definition).map_err(|e| anyhow::anyhow!("a stored dashboard: {e}"))?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
        archived_at: row.try_get("archived_at")?,
    })
}

/// The dashboard `id` of `organisation_id`, or 404.
pub async fn load(meta: &MetaStore, organisation_id: &str, id: &str) -> Result<Dashboard, RelayError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM dashboards WHERE id = ? AND organisation_id = ?"))
        .bind(id)
        .bind(organisation_id)
        .fetch_optional(&meta.0)
        .await?
        .ok_or(RelayError::NotFound("dashboard"))?;
    dashboard(&row)
}

fn bad(message: impl Into<String>) -> RelayError {
    RelayError::BadRequest(message.into())
}

fn short_text(what: &str, text: &str) -> Result<(), RelayError> {
    let chars = text.trim().chars().count();
    if chars == 0 || chars > MAX_SHORT_TEXT {
        return Err(bad(format!("{what} needs 1 to {MAX_SHORT_TEXT} characters.")));
    }
    Ok(())
}

/// Checks a definition's shape, and that every chart tile names a chart of this organisation.
async fn validate(meta: &MetaStore, organisation_id: &str, request: &DashboardRequest) -> Result<String, RelayError> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(bad(format!("Give the dashboard a name of 1 to {MAX_NAME_CHARS} characters.")));
    }
    let definition = &request.definition;
    if definition.tabs.is_empty() || definition.tabs.len() > MAX_TABS {
        return Err(bad(format!("A dashboard has 1 to {MAX_TABS} tabs.")));
    }
    for tab in &definition.tabs {
        short_text("A tab name", tab)?;
    }
    if definition.tiles.len() > MAX_TILES || definition.filters.len() > MAX_FILTERS {
        return Err(bad(format!("A dashboard has at most {MAX_TILES} tiles and {MAX_FILTERS} filters.")));
    }
    let mut filter_ids = HashSet::new();
    for filter in &definition.filters {
        short_text("A filter id", &filter.id)?;
        short_text("A filter label", &filter.label)?;
        if !filter_ids.insert(filter.id.as_str()) {
            return Err(bad(format!("Two filters have the id “{}”.", filter.id)));
        }
    }
    let mut tile_ids = HashSet::new();
    for tile in &definition.tiles {
        short_text("A tile id", &tile.id)?;
        if !tile_ids.insert(tile.id.as_str()) {
            return Err(bad(format!("Two tiles have the id “{}”.", tile.id)));
        }
        if tile.tab >= definition.tabs.len() {
            return Err(bad(format!("The tile “{}” is on a tab that does not exist.", tile.id)));
        }
        if !Place::of(tile).fits() {
            return Err(bad(format!("The tile “{}” does not fit the grid of {GRID_COLUMNS} columns.", tile.id)));
        }
        match &tile.content {
            TileContent::Text { markdown } if markdown.chars().count() > MAX_MARKDOWN_CHARS => {
                return Err(bad(format!("A text tile holds at most {MAX_MARKDOWN_CHARS} characters.")));
            }
            TileContent::Text { .. } => {}
            TileContent::Chart { chart_id, bindings } => {
                let known: Option<i64> =
                    sqlx::query_scalar("SELECT 1 FROM saved_charts WHERE id = ? AND organisation_id = ?")
                        .bind(chart_id)
                        .bind(organisation_id)
                        .fetch_optional(&meta.0)
                        .await?;
                if known.is_none() {
                    return Err(bad(format!("The tile “{}” shows a chart that does not exist.", tile.id)));
                }
                for binding in bindings {
                    short_text("A bound column", &binding.column)?;
                    if !filter_ids.contains(binding.filter_id.as_str()) {
                        return Err(bad(format!("The tile “{}” is bound to an unknown filter.", tile.id)));
                    }
                }
            }
        }
    }
    if let Some((a, b)) = layout::first_overlap(&definition.tiles) {
        return Err(bad(format!("The tiles “{a}” and “{b}” overlap.")));
    }
    Ok(name.to_owned())
}

fn definition_json(definition: &DashboardDefinition) -> Result<String, RelayError> {
    Ok(serde_json::to_string(definition).map_err(anyhow::Error::from)?)
}

#[utoipa::path(get, path = "/api/v1/dashboards", tag = "dashboards", params(ListDashboardsQuery),
    responses((status = 200, body = ListDashboardsResponse)))]
pub async fn list_dashboards(
    State(meta): State<MetaStore>,
    principal: Principal,
    Query(query): Query<ListDashboardsQuery>,
) -> Result<ApiJson<ListDashboardsResponse>, RelayError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM dashboards WHERE organisation_id = ? AND (archived_at IS NOT NULL) = ?
         ORDER BY updated_at DESC, name"
    ))
    .bind(&principal.organisation_id)
    .bind(query.archived)
    .fetch_all(&meta.0)
    .await?;
    Ok(ApiJson(ListDashboardsResponse { dashboards: rows.iter().map(dashboard).collect::<Result<_, _>>()? }))
}

#[utoipa::path(get, path = "/api/v1/dashboards/{id}", tag = "dashboards",
    responses((status = 200, body = Dashboard), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn get_dashboard(
    State(meta): State<MetaStore>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<ApiJson<Dashboard>, RelayError> {
    Ok(ApiJson(load(&meta, &principal.organisation_id, &id).await?))
}

#[utoipa::path(post, path = "/api/v1/dashboards", tag = "dashboards", request_body = DashboardRequest,
    responses((status = 200, body = Dashboard), (status = 400, body = vizkraft_domain::ApiError)))]
pub async fn create_dashboard(
    State(meta): State<MetaStore>,
    principal: Principal,
    ApiJson(request): ApiJson<DashboardRequest>,
) -> Result<ApiJson<Dashboard>, RelayError> {
    let name = validate(&meta, &principal.organisation_id, &request).await?;
    let id = new_id();
    let (now, by) = (unix_now(), principal.audit_name());
    sqlx::query(
        "INSERT INTO dashboards (id, organisation_id, name, definition, created_by, created_at, updated_by, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&principal.organisation_id)
    .bind(&name)
    .bind(definition_json(&request.definition)?)
    .bind(&by)
    .bind(now)
    .bind(&by)
    .bind(now)
    .execute(&meta.0)
    .await?;
    Ok(ApiJson(load(&meta, &principal.organisation_id, &id).await?))
}

#[utoipa::path(put, path = "/api/v1/dashboards/{id}", tag = "dashboards", request_body = DashboardRequest,
    responses((status = 200, body = Dashboard), (status = 400, body = vizkraft_domain::ApiError),
              (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn change_dashboard(
    State(meta): State<MetaStore>,
    principal: Principal,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<DashboardRequest>,
) -> Result<ApiJson<Dashboard>, RelayError> {
    if load(&meta, &principal.organisation_id, &id).await?.archived_at.is_some() {
        return Err(bad("An archived dashboard cannot change; restore it first."));
    }
    let name = validate(&meta, &principal.organisation_id, &request).await?;
    sqlx::query(
        "UPDATE dashboards SET name = ?, definition = ?, updated_by = ?, updated_at = ? WHERE id = ? AND organisation_id = ?",
    )
    .bind(&name)
    .bind(definition_json(&request.definition)?)
    .bind(principal.audit_name())
    .bind(unix_now())
    .bind(&id)
    .bind(&principal.organisation_id)
    .execute(&meta.0)
    .await?;
    Ok(ApiJson(load(&meta, &principal.organisation_id, &id).await?))
}

/// Deletes the dashboard and, with it, every share link to it.
#[utoipa::path(delete, path = "/api/v1/dashboards/{id}", tag = "dashboards",
    responses((status = 204), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn delete_dashboard(
    State(meta): State<MetaStore>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, RelayError> {
    load(&meta, &principal.organisation_id, &id).await?;
    let mut tx = meta.0.begin().await?;
    sqlx::query("DELETE FROM share_links WHERE dashboard_id = ?").bind(&id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM dashboards WHERE id = ? AND organisation_id = ?")
        .bind(&id)
        .bind(&principal.organisation_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Archives the dashboard: it leaves the list, and every share link to it is revoked for good
/// (restoring it does not bring them back).
#[utoipa::path(post, path = "/api/v1/dashboards/{id}/archive", tag = "dashboards",
    responses((status = 200, body = Dashboard), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn archive_dashboard(
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    Path(id): Path<String>,
) -> Result<ApiJson<Dashboard>, RelayError> {
    Ok(ApiJson(set_archived(&meta, &principal, address, &id, true).await?))
}

#[utoipa::path(post, path = "/api/v1/dashboards/{id}/restore", tag = "dashboards",
    responses((status = 200, body = Dashboard), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn restore_dashboard(
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    Path(id): Path<String>,
) -> Result<ApiJson<Dashboard>, RelayError> {
    Ok(ApiJson(set_archived(&meta, &principal, address, &id, false).await?))
}

/// Archives or restores; archiving revokes the links in the same transaction.
async fn set_archived(
    meta: &MetaStore,
    principal: &Principal,
    address: ClientAddress,
    id: &str,
    archive: bool,
) -> Result<Dashboard, RelayError> {
    let dashboard = load(meta, &principal.organisation_id, id).await?;
    if dashboard.archived_at.is_some() == archive {
        return Ok(dashboard);
    }
    let now = unix_now();
    let mut tx = meta.0.begin().await?;
    if archive {
        sqlx::query("UPDATE share_links SET revoked_at = ? WHERE dashboard_id = ? AND revoked_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE dashboards SET archived_at = ? WHERE id = ? AND organisation_id = ?")
        .bind(archive.then_some(now))
        .bind(id)
        .bind(&principal.organisation_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    let kind = if archive { AuditEventKind::DashboardArchived } else { AuditEventKind::DashboardRestored };
    audit::record_action(meta, principal, address, kind, &dashboard.name).await;
    load(meta, &principal.organisation_id, id).await
}

/// What running a tile needs from the relay.
pub struct TileRunner<'a> {
    pub sources: &'a SourceRegistry,
    pub meta: &'a MetaStore,
    pub limits: QueryLimits,
    pub encoding: ResultEncoding,
}

impl TileRunner<'_> {
    /// Runs one chart tile of `dashboard` with `values` for its bound filters.
    pub async fn run(
        &self,
        organisation_id: &str,
        dashboard: &Dashboard,
        tile_id: &str,
        values: &FilterValues,
    ) -> Result<Response, RelayError> {
        let (sources, meta, limits, encoding) = (self.sources, self.meta, self.limits, self.encoding);
        let tile = dashboard.definition.tiles.iter().find(|t| t.id == tile_id).ok_or(RelayError::NotFound("tile"))?;
        let TileContent::Chart { chart_id, bindings } = &tile.content else {
            return Err(bad("A text tile has nothing to run."));
        };
        let row = sqlx::query("SELECT source_id, sql FROM saved_charts WHERE id = ? AND organisation_id = ?")
            .bind(chart_id)
            .bind(organisation_id)
            .fetch_optional(&meta.0)
            .await?
            .ok_or(RelayError::NotFound("chart"))?;
        let source_id = vizkraft_domain::api::sources::SourceId(row.try_get("source_id")?);
        let source = sources.get(organisation_id, &source_id).await?;
        let sql: String = row.try_get("sql")?;
        let filtered = filters::apply(source.engine(), &sql, &dashboard.definition.filters, bindings, values)?;
        guard::check(&filtered.guard_sql, source.engine())?;
        crate::query::stream_guarded(source, filtered.sql, filtered.params, limits, encoding).await
    }
}

#[utoipa::path(post, path = "/api/v1/dashboards/{id}/tiles/{tile_id}/run", tag = "dashboards", request_body = TileRunRequest,
    responses((status = 200, description = "The result stream, as for /api/v1/query", content_type = "application/vnd.vizkraft.result.v1"),
              (status = 400, body = vizkraft_domain::ApiError), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn run_tile(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    State(limits): State<QueryLimits>,
    principal: Principal,
    encoding: ResultEncoding,
    Path((id, tile_id)): Path<(String, String)>,
    ApiJson(request): ApiJson<TileRunRequest>,
) -> Result<Response, RelayError> {
    let dashboard = load(&meta, &principal.organisation_id, &id).await?;
    let runner = TileRunner { sources: &sources, meta: &meta, limits, encoding };
    runner.run(&principal.organisation_id, &dashboard, &tile_id, &request.filters).await
}
