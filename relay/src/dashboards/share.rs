//! Share links: a random token, stored only hashed, that opens one dashboard without an
//! account until it expires (7 days unless chosen, at most what the organisation's admins
//! allow), is revoked or rotated, or the dashboard is archived or deleted. The token is sent
//! as `Authorization: Share <token>` to two routes only: the dashboard's view and its tile
//! queries. Every other route refuses it, as it is neither a session nor an API key. Filters
//! the author locked cannot be changed by visitors.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use sqlx::Row;
use vizkraft_domain::api::audit::AuditEventKind;
use vizkraft_domain::api::auth::Permission;
use vizkraft_domain::api::dashboards::{
    CreateShareLinkResponse, FilterValues, ListShareLinksResponse, ShareLinkRequest, ShareLinkSummary, SharedChart,
    SharedDashboard, SharingPolicy, TileContent, TileRunRequest, SHARE_AUTH_SCHEME,
};

use super::{load, Dashboard, TileRunner};
use crate::access::{
    hashes_match, new_id, random_token, token_hash, unix_now, Access, ApiRoutes, ClientAddress, Principal,
};
use crate::audit;
use crate::config::QueryLimits;
use crate::error::{ApiJson, RelayError};
use crate::query::ResultEncoding;
use crate::sources::SourceRegistry;
use crate::state::MetaStore;

const DEFAULT_DAYS: u32 = 7;
/// The most an organisation's admins may allow.
const LONGEST_ALLOWED_DAYS: u32 = 365;
const DAY_SECS: i64 = 86_400;
/// A link's use is written to `last_used_at` at most this often.
const USE_RECORDED_EVERY_SECS: i64 = 60;

pub fn routes() -> ApiRoutes {
    let share = Access::Permission(Permission::ShareDashboards);
    ApiRoutes::default()
        .get("/dashboards/{id}/links", share, list_links)
        .post("/dashboards/{id}/links", share, create_link)
        .delete("/dashboards/{id}/links", share, revoke_all_links)
        .delete("/dashboards/{id}/links/{link_id}", share, revoke_link)
        .post("/dashboards/{id}/links/{link_id}/rotate", share, rotate_link)
        .get("/settings/sharing", share, get_sharing_policy)
        .put("/settings/sharing", Access::Permission(Permission::ManageMembers), change_sharing_policy)
        .get("/shared/dashboard", Access::ShareLink, shared_dashboard)
        .post("/shared/tiles/{tile_id}/run", Access::ShareLink, run_shared_tile)
}

const COLUMNS: &str = "id, dashboard_id, created_by, locked_filters,
    strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch') AS created_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', expires_at, 'unixepoch') AS expires_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', revoked_at, 'unixepoch') AS revoked_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', last_used_at, 'unixepoch') AS last_used_at";

fn summary(row: &sqlx::sqlite::SqliteRow) -> Result<ShareLinkSummary, RelayError> {
    let locked: String = row.try_get("locked_filters")?;
    Ok(ShareLinkSummary {
        id: row.try_get("id")?,
        dashboard_id: row.try_get("dashboard_id")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        revoked_at: row.try_get("revoked_at")?,
        last_used_at: row.try_get("last_used_at")?,
        locked_filters: serde_json::from_str(&locked).map_err(|e| anyhow::anyhow!("stored locked filters: {e}"))?,
    })
}

/// Admins and owners manage every link; others only the links they made.
fn sees_all(principal: &Principal) -> bool {
    principal.role.allows(Permission::ManageMembers)
}

async fn link_summary(meta: &MetaStore, id: &str) -> Result<ShareLinkSummary, RelayError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM share_links WHERE id = ?"))
        .bind(id)
        .fetch_optional(&meta.0)
        .await?
        .ok_or(RelayError::NotFound("share link"))?;
    summary(&row)
}

/// The dashboard `id`, if its link `link_id` is one this principal may manage.
async fn managed_link(
    meta: &MetaStore,
    principal: &Principal,
    id: &str,
    link_id: &str,
) -> Result<Dashboard, RelayError> {
    let dashboard = load(meta, &principal.organisation_id, id).await?;
    let creator: Option<Option<String>> =
        sqlx::query_scalar("SELECT created_by_user FROM share_links WHERE id = ? AND dashboard_id = ?")
            .bind(link_id)
            .bind(id)
            .fetch_optional(&meta.0)
            .await?;
    match creator {
        None => Err(RelayError::NotFound("share link")),
        Some(creator) if sees_all(principal) || (creator.is_some() && creator.as_deref() == principal.user_id()) => {
            Ok(dashboard)
        }
        Some(_) => Err(RelayError::Forbidden),
    }
}

async fn sharing_policy(meta: &MetaStore, organisation_id: &str) -> Result<SharingPolicy, RelayError> {
    let days: i64 = sqlx::query_scalar("SELECT share_link_max_days FROM organisations WHERE id = ?")
        .bind(organisation_id)
        .fetch_one(&meta.0)
        .await?;
    Ok(SharingPolicy { share_link_max_days: u32::try_from(days).unwrap_or(DEFAULT_DAYS) })
}

#[utoipa::path(get, path = "/api/v1/settings/sharing", tag = "dashboards", responses((status = 200, body = SharingPolicy)))]
pub async fn get_sharing_policy(
    State(meta): State<MetaStore>,
    principal: Principal,
) -> Result<ApiJson<SharingPolicy>, RelayError> {
    Ok(ApiJson(sharing_policy(&meta, &principal.organisation_id).await?))
}

/// Sets the longest life of the organisation's share links. Live links that would outlast
/// the new limit are shortened to it, so a lowered limit holds at once.
#[utoipa::path(put, path = "/api/v1/settings/sharing", tag = "dashboards", request_body = SharingPolicy,
    responses((status = 200, body = SharingPolicy), (status = 400, body = vizkraft_domain::ApiError)))]
pub async fn change_sharing_policy(
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    ApiJson(policy): ApiJson<SharingPolicy>,
) -> Result<ApiJson<SharingPolicy>, RelayError> {
    let days = policy.share_link_max_days;
    if !(1..=LONGEST_ALLOWED_DAYS).contains(&days) {
        return Err(RelayError::BadRequest(format!("Allow share links 1 to {LONGEST_ALLOWED_DAYS} days.")));
    }
    let longest_secs = i64::from(days) * DAY_SECS;
    let mut tx = meta.0.begin().await?;
    sqlx::query("UPDATE organisations SET share_link_max_days = ? WHERE id = ?")
        .bind(days)
        .bind(&principal.organisation_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE share_links SET expires_at = created_at + ? WHERE expires_at > created_at + ?
         AND dashboard_id IN (SELECT id FROM dashboards WHERE organisation_id = ?)",
    )
    .bind(longest_secs)
    .bind(longest_secs)
    .bind(&principal.organisation_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let subject = format!("{days} days at most");
    audit::record_action(&meta, &principal, address, AuditEventKind::SharingPolicyChanged, &subject).await;
    Ok(ApiJson(sharing_policy(&meta, &principal.organisation_id).await?))
}

#[utoipa::path(get, path = "/api/v1/dashboards/{id}/links", tag = "dashboards",
    responses((status = 200, body = ListShareLinksResponse), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn list_links(
    State(meta): State<MetaStore>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<ApiJson<ListShareLinksResponse>, RelayError> {
    load(&meta, &principal.organisation_id, &id).await?;
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM share_links WHERE dashboard_id = ? AND (? OR created_by_user = ?) ORDER BY created_at DESC"
    ))
    .bind(&id)
    .bind(sees_all(&principal))
    .bind(principal.user_id())
    .fetch_all(&meta.0)
    .await?;
    Ok(ApiJson(ListShareLinksResponse { links: rows.iter().map(summary).collect::<Result<_, _>>()? }))
}

#[utoipa::path(post, path = "/api/v1/dashboards/{id}/links", tag = "dashboards", request_body = ShareLinkRequest,
    responses((status = 200, body = CreateShareLinkResponse), (status = 400, body = vizkraft_domain::ApiError)))]
pub async fn create_link(
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    Path(id): Path<String>,
    ApiJson(request): ApiJson<ShareLinkRequest>,
) -> Result<ApiJson<CreateShareLinkResponse>, RelayError> {
    let dashboard = load(&meta, &principal.organisation_id, &id).await?;
    if dashboard.archived_at.is_some() {
        return Err(RelayError::BadRequest("An archived dashboard cannot be shared; restore it first.".into()));
    }
    let longest = sharing_policy(&meta, &principal.organisation_id).await?.share_link_max_days;
    let days = request.expires_in_days.unwrap_or(DEFAULT_DAYS.min(longest));
    if days == 0 || days > longest {
        return Err(RelayError::BadRequest(format!(
            "A share link lasts 1 to {longest} days here; admins set the limit."
        )));
    }
    for filter_id in request.locked_filters.keys() {
        if !dashboard.definition.filters.iter().any(|f| &f.id == filter_id) {
            return Err(RelayError::BadRequest(format!("The dashboard has no filter “{filter_id}” to lock.")));
        }
    }
    let locked = serde_json::to_string(&request.locked_filters).map_err(anyhow::Error::from)?;
    let (link_id, token, now) = (new_id(), random_token(), unix_now());
    sqlx::query(
        "INSERT INTO share_links (id, dashboard_id, token_hash, created_by, created_by_user, created_at, expires_at, locked_filters)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&link_id)
    .bind(&id)
    .bind(token_hash(&token))
    .bind(principal.audit_name())
    .bind(principal.user_id())
    .bind(now)
    .bind(now + i64::from(days) * DAY_SECS)
    .bind(locked)
    .execute(&meta.0)
    .await?;
    audit::record_action(&meta, &principal, address, AuditEventKind::ShareLinkCreated, &dashboard.name).await;
    let link = link_summary(&meta, &link_id).await?;
    Ok(ApiJson(CreateShareLinkResponse { link, path: format!("/share#{token}"), token }))
}

#[utoipa::path(delete, path = "/api/v1/dashboards/{id}/links/{link_id}", tag = "dashboards",
    responses((status = 204), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn revoke_link(
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<StatusCode, RelayError> {
    let dashboard = managed_link(&meta, &principal, &id, &link_id).await?;
    let revoked = sqlx::query("UPDATE share_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(unix_now())
        .bind(&link_id)
        .execute(&meta.0)
        .await?
        .rows_affected();
    if revoked > 0 {
        audit::record_action(&meta, &principal, address, AuditEventKind::ShareLinkRevoked, &dashboard.name).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/dashboards/{id}/links", tag = "dashboards",
    responses((status = 204), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn revoke_all_links(
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    Path(id): Path<String>,
) -> Result<StatusCode, RelayError> {
    let dashboard = load(&meta, &principal.organisation_id, &id).await?;
    let revoked = sqlx::query(
        "UPDATE share_links SET revoked_at = ? WHERE dashboard_id = ? AND revoked_at IS NULL AND (? OR created_by_user = ?)",
    )
    .bind(unix_now())
    .bind(&id)
    .bind(sees_all(&principal))
    .bind(principal.user_id())
    .execute(&meta.0)
    .await?
    .rows_affected();
    if revoked > 0 {
        audit::record_action(&meta, &principal, address, AuditEventKind::ShareLinkRevoked, &dashboard.name).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A new token for the link; the old one stops working at once.
#[utoipa::path(post, path = "/api/v1/dashboards/{id}/links/{link_id}/rotate", tag = "dashboards",
    responses((status = 200, body = CreateShareLinkResponse), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn rotate_link(
    State(meta): State<MetaStore>,
    principal: Principal,
    address: ClientAddress,
    Path((id, link_id)): Path<(String, String)>,
) -> Result<ApiJson<CreateShareLinkResponse>, RelayError> {
    let dashboard = managed_link(&meta, &principal, &id, &link_id).await?;
    let token = random_token();
    let changed = sqlx::query("UPDATE share_links SET token_hash = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(token_hash(&token))
        .bind(&link_id)
        .execute(&meta.0)
        .await?
        .rows_affected();
    if changed == 0 {
        return Err(RelayError::BadRequest("A revoked link cannot be rotated; create a new one.".into()));
    }
    audit::record_action(&meta, &principal, address, AuditEventKind::ShareLinkRotated, &dashboard.name).await;
    let link = link_summary(&meta, &link_id).await?;
    Ok(ApiJson(CreateShareLinkResponse { link, path: format!("/share#{token}"), token }))
}

/// What a live share link opens.
struct Shared {
    organisation_id: String,
    dashboard: Dashboard,
    locked: FilterValues,
    expires_at: String,
}

/// The link a request's `Authorization: Share <token>` opens: live, unexpired, unrevoked.
/// Anything else is 401, with no hint of which.
async fn authenticate(meta: &MetaStore, headers: &HeaderMap) -> Result<Shared, RelayError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix(SHARE_AUTH_SCHEME))
        .and_then(|v| v.strip_prefix(' '))
        .filter(|t| !t.is_empty() && t.len() <= 100)
        .ok_or(RelayError::Unauthenticated)?;
    let hash = token_hash(token);
    let row = sqlx::query(
        "SELECT l.id, l.token_hash, l.expires_at, l.revoked_at, l.last_used_at, l.locked_filters, d.id AS dashboard_id,
                d.organisation_id, strftime('%Y-%m-%dT%H:%M:%SZ', l.expires_at, 'unixepoch') AS expires_text
         FROM share_links l JOIN dashboards d ON d.id = l.dashboard_id
         WHERE l.token_hash = ? AND d.archived_at IS NULL",
    )
    .bind(&hash)
    .fetch_optional(&meta.0)
    .await?
    .ok_or(RelayError::Unauthenticated)?;
    let stored: Vec<u8> = row.try_get("token_hash")?;
    let now = unix_now();
    let expired = row.try_get::<i64, _>("expires_at")? <= now;
    let revoked = row.try_get::<Option<i64>, _>("revoked_at")?.is_some();
    if !hashes_match(&stored, &hash) || expired || revoked {
        return Err(RelayError::Unauthenticated);
    }
    let link_id: String = row.try_get("id")?;
    if row.try_get::<Option<i64>, _>("last_used_at")?.is_none_or(|at| now - at >= USE_RECORDED_EVERY_SECS) {
        sqlx::query("UPDATE share_links SET last_used_at = ? WHERE id = ?")
            .bind(now)
            .bind(&link_id)
            .execute(&meta.0)
            .await?;
    }
    let organisation_id: String = row.try_get("organisation_id")?;
    let dashboard = load(meta, &organisation_id, &row.try_get::<String, _>("dashboard_id")?).await?;
    let locked: String = row.try_get("locked_filters")?;
    let locked = serde_json::from_str(&locked).map_err(|e| anyhow::anyhow!("stored locked filters: {e}"))?;
    Ok(Shared { organisation_id, dashboard, locked, expires_at: row.try_get("expires_text")? })
}

#[utoipa::path(get, path = "/api/v1/shared/dashboard", tag = "shared",
    responses((status = 200, body = SharedDashboard), (status = 401, body = vizkraft_domain::ApiError)))]
pub async fn shared_dashboard(
    State(meta): State<MetaStore>,
    headers: HeaderMap,
) -> Result<ApiJson<SharedDashboard>, RelayError> {
    let Shared { organisation_id, dashboard, locked, expires_at } = authenticate(&meta, &headers).await?;
    let mut charts = BTreeMap::new();
    for tile in &dashboard.definition.tiles {
        if let TileContent::Chart { chart_id, .. } = &tile.content {
            let row = sqlx::query("SELECT name, chart FROM saved_charts WHERE id = ? AND organisation_id = ?")
                .bind(chart_id)
                .bind(&organisation_id)
                .fetch_optional(&meta.0)
                .await?;
            if let Some(row) = row {
                let chart: String = row.try_get("chart")?;
                let chart = serde_json::from_str(&chart).map_err(|e| anyhow::anyhow!("a stored chart spec: {e}"))?;
                charts.insert(chart_id.clone(), SharedChart { name: row.try_get("name")?, chart });
            }
        }
    }
    Ok(ApiJson(SharedDashboard {
        name: dashboard.name,
        definition: dashboard.definition,
        charts,
        locked_filters: locked,
        expires_at,
    }))
}

/// Runs a tile of the link's dashboard. A locked filter may be left out or repeated, never
/// changed.
#[utoipa::path(post, path = "/api/v1/shared/tiles/{tile_id}/run", tag = "shared", request_body = TileRunRequest,
    responses((status = 200, description = "The result stream, as for /api/v1/query", content_type = "application/vnd.vizkraft.result.v1"),
              (status = 401, body = vizkraft_domain::ApiError), (status = 403, body = vizkraft_domain::ApiError)))]
pub async fn run_shared_tile(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    State(limits): State<QueryLimits>,
    headers: HeaderMap,
    encoding: ResultEncoding,
    Path(tile_id): Path<String>,
    ApiJson(request): ApiJson<TileRunRequest>,
) -> Result<Response, RelayError> {
    let Shared { organisation_id, dashboard, locked, .. } = authenticate(&meta, &headers).await?;
    let mut values = request.filters;
    for (filter_id, locked_value) in &locked {
        match values.get(filter_id) {
            Some(value) if value != locked_value => return Err(RelayError::Forbidden),
            _ => {
                values.insert(filter_id.clone(), locked_value.clone());
            }
        }
    }
    let runner = TileRunner { sources: &sources, meta: &meta, limits, encoding };
    runner.run(&organisation_id, &dashboard, &tile_id, &values).await
}
