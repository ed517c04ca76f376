//! API keys: created by admins for programs, scoped to one organisation and a role no higher
//! than their creator's, shown once, stored only as a hash, revocable, optionally expiring.

mod format;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use sqlx::Row;
use vizkraft_domain::api::api_keys::{ApiKeySummary, CreateApiKeyRequest, CreateApiKeyResponse, ListApiKeysResponse};
use vizkraft_domain::api::audit::AuditEventKind;
use vizkraft_domain::api::auth::Permission;

use crate::access::{hashes_match, token_hash, unix_now, Access, Actor, ApiRoutes, ClientAddress, Principal};
use crate::audit::{self, Entry};
use crate::auth::{parse_role, role_text, within};
use crate::error::{ApiJson, RelayError};
use crate::state::MetaStore;

/// A key's use is written to `last_used_at` and the audit log at most this often.
const USE_RECORDED_EVERY_SECS: i64 = 60 * 60;
const MAX_EXPIRY_DAYS: u32 = 3650;

pub fn routes() -> ApiRoutes {
    let manage = Access::Permission(Permission::ManageApiKeys);
    ApiRoutes::default().get("/api-keys", manage, list_api_keys).post("/api-keys", manage, create_api_key).delete(
        "/api-keys/{id}",
        manage,
        revoke_api_key,
    )
}

/// The principal of a presented key, or 401 for anything malformed, unknown, revoked or expired.
pub async fn authenticate(meta: &MetaStore, text: &str, address: ClientAddress) -> Result<Principal, RelayError> {
    let (id, secret) = format::parse(text).ok_or(RelayError::Unauthenticated)?;
    let row = sqlx::query(
        "SELECT organisation_id, role, secret_hash, expires_at, last_used_at, revoked_at FROM api_keys WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(&meta.0)
    .await?
    .ok_or(RelayError::Unauthenticated)?;
    let stored: Vec<u8> = row.try_get("secret_hash")?;
    let now = unix_now();
    let expired = row.try_get::<Option<i64>, _>("expires_at")?.is_some_and(|at| at <= now);
    let revoked = row.try_get::<Option<i64>, _>("revoked_at")?.is_some();
    if !hashes_match(&stored, &token_hash(secret)) || expired || revoked {
        return Err(RelayError::Unauthenticated);
    }
    let organisation_id: String = row.try_get("organisation_id")?;
    let display_prefix = format::display_prefix(id);
    let last_used: Option<i64> = row.try_get("last_used_at")?;
    if last_used.is_none_or(|at| now - at >= USE_RECORDED_EVERY_SECS) {
        sqlx::query("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(now).bind(id).execute(&meta.0).await?;
        audit::record(
            meta,
            Entry {
                organisation_id: Some(&organisation_id),
                kind: AuditEventKind::ApiKeyUsed,
                actor: Some(&display_prefix),
                subject: None,
                address: address.to_audit(),
            },
        )
        .await?;
    }
    Ok(Principal {
        organisation_id,
        role: parse_role(&row.try_get::<String, _>("role")?)?,
        actor: Actor::ApiKey { key_id: id.to_owned(), display_prefix },
    })
}

const SUMMARY_COLUMNS: &str = "k.id, k.name, k.role, u.email AS created_by,
    strftime('%Y-%m-%dT%H:%M:%SZ', k.created_at, 'unixepoch') AS created_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', k.expires_at, 'unixepoch') AS expires_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', k.last_used_at, 'unixepoch') AS last_used_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', k.revoked_at, 'unixepoch') AS revoked_at";

fn summary(row: &sqlx::sqlite::SqliteRow) -> Result<ApiKeySummary, RelayError> {
    let id: String = row.try_get("id")?;
    Ok(ApiKeySummary {
        display_prefix: format::display_prefix(&id),
        id,
        name: row.try_get("name")?,
        role: parse_role(&row.try_get::<String, _>("role")?)?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api_keys", responses((status = 200, body = ListApiKeysResponse)))]
pub async fn list_api_keys(
    State(meta): State<MetaStore>,
    principal: Principal,
) -> Result<ApiJson<ListApiKeysResponse>, RelayError> {
    let rows = sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.created_by
         WHERE k.organisation_id = ? ORDER BY k.created_at DESC"
    ))
    .bind(&principal.organisation_id)
    .fetch_all(&meta.0)
    .await?;
    Ok(ApiJson(ListApiKeysResponse { keys: rows.iter().map(summary).collect::<Result<_, _>>()? }))
}

#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api_keys", request_body = CreateApiKeyRequest,
    responses((status = 200, body = CreateApiKeyResponse), (status = 403, body = vizkraft_domain::ApiError)))]
pub async fn create_api_key(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    ApiJson(request): ApiJson<CreateApiKeyRequest>,
) -> Result<ApiJson<CreateApiKeyResponse>, RelayError> {
    // Keys are made by people, so a leaked key cannot mint more keys.
    let creator = principal.user_id().ok_or(RelayError::Forbidden)?;
    within(request.role, principal.role)?;
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(RelayError::BadRequest("Give the key a name of 1 to 100 characters.".into()));
    }
    let now = unix_now();
    let expires_at = match request.expires_in_days {
        Some(0) => return Err(RelayError::BadRequest("A key must last at least one day.".into())),
        Some(days) if days > MAX_EXPIRY_DAYS => {
            return Err(RelayError::BadRequest(format!("A key may last at most {MAX_EXPIRY_DAYS} days.")))
        }
        Some(days) => Some(now + i64::from(days) * 86_400),
        None => None,
    };
    let key = format::generate();
    sqlx::query(
        "INSERT INTO api_keys (id, organisation_id, name, role, secret_hash, created_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&key.id)
    .bind(&principal.organisation_id)
    .bind(name)
    .bind(role_text(request.role))
    .bind(token_hash(&key.secret))
    .bind(creator)
    .bind(now)
    .bind(expires_at)
    .execute(&meta.0)
    .await?;
    audit::record(
        &meta,
        Entry {
            organisation_id: Some(&principal.organisation_id),
            kind: AuditEventKind::ApiKeyCreated,
            actor: Some(&principal.audit_name()),
            subject: Some(&format!("{} ({})", name, format::display_prefix(&key.id))),
            address: address.to_audit(),
        },
    )
    .await?;
    let row = sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM api_keys k JOIN users u ON u.id = k.created_by WHERE k.id = ?"
    ))
    .bind(&key.id)
    .fetch_one(&meta.0)
    .await?;
    Ok(ApiJson(CreateApiKeyResponse { key: summary(&row)?, secret: key.text }))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api_keys", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn revoke_api_key(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, RelayError> {
    let revoked =
        sqlx::query("UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND organisation_id = ?")
            .bind(unix_now())
            .bind(&id)
            .bind(&principal.organisation_id)
            .execute(&meta.0)
            .await?
            .rows_affected();
    if revoked == 0 {
        return Err(RelayError::NotFound("API key"));
    }
    audit::record(
        &meta,
        Entry {
            organisation_id: Some(&principal.organisation_id),
            kind: AuditEventKind::ApiKeyRevoked,
            actor: Some(&principal.audit_name()),
            subject: Some(&format::display_prefix(&id)),
            address: address.to_audit(),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
