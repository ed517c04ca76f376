//! Server-side sessions: a random 256-bit id in a `__Host-` cookie, stored only hashed, with
//! idle and absolute expiry.

use axum::http::{header, HeaderMap, HeaderValue};
use sqlx::Row;
use vizkraft_domain::api::auth::Role;

use crate::access::{random_token, token_hash, unix_now, Actor, Principal};
use crate::error::RelayError;
use crate::state::MetaStore;

/// The `__Host-` prefix makes browsers insist on Secure, Path=/ and no Domain
/// (RFC 6265bis §4.1.3.2), so no subdomain can plant or read it.
pub const SESSION_COOKIE: &str = "__Host-vizkraft_session";
/// A session unused this long ends.
pub const IDLE_TIMEOUT_SECS: i64 = 12 * 60 * 60;
/// A session ends this long after sign-in, used or not.
pub const ABSOLUTE_TIMEOUT_SECS: i64 = 7 * 24 * 60 * 60;
/// `last_seen_at` is written at most this often, so reads stay reads.
const TOUCH_EVERY_SECS: i64 = 60;

/// The session id from the request's cookies, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Starts a session and returns the `Set-Cookie` value that carries it.
pub async fn create(meta: &MetaStore, user_id: &str, organisation_id: &str) -> Result<HeaderValue, RelayError> {
    let id = random_token();
    let now = unix_now();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, active_organisation_id, created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(token_hash(&id))
    .bind(user_id)
    .bind(organisation_id)
    .bind(now)
    .bind(now)
    .bind(now + ABSOLUTE_TIMEOUT_SECS)
    .execute(&meta.0)
    .await?;
    cookie(&id, ABSOLUTE_TIMEOUT_SECS)
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie() -> Result<HeaderValue, RelayError> {
    cookie("", 0)
}

fn cookie(value: &str, max_age: i64) -> Result<HeaderValue, RelayError> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Strict"
    ))
    .map_err(|e| RelayError::Internal(e.into()))
}

/// The principal of a live session, or 401. Expired sessions are deleted on sight.
pub async fn authenticate_session(meta: &MetaStore, session_id: &str) -> Result<Principal, RelayError> {
    let hash = token_hash(session_id);
    let row = sqlx::query(
        "SELECT s.user_id, s.active_organisation_id, s.last_seen_at, s.expires_at, u.email, m.role
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         JOIN memberships m ON m.user_id = s.user_id AND m.organisation_id = s.active_organisation_id
         WHERE s.id_hash = ?",
    )
    .bind(&hash)
    .fetch_optional(&meta.0)
    .await?
    .ok_or(RelayError::Unauthenticated)?;
    let now = unix_now();
    let last_seen: i64 = row.try_get("last_seen_at")?;
    let expires: i64 = row.try_get("expires_at")?;
    if now >= expires || now - last_seen >= IDLE_TIMEOUT_SECS {
        sqlx::query("DELETE FROM sessions WHERE id_hash = ?").bind(&hash).execute(&meta.0).await?;
        return Err(RelayError::Unauthenticated);
    }
    if now - last_seen >= TOUCH_EVERY_SECS {
        sqlx::query("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?")
            .bind(now)
            .bind(&hash)
            .execute(&meta.0)
            .await?;
    }
    Ok(Principal {
        organisation_id: row.try_get("active_organisation_id")?,
        role: parse_role(&row.try_get::<String, _>("role")?)?,
        actor: Actor::User { user_id: row.try_get("user_id")?, email: row.try_get("email")?, session_hash: hash },
    })
}

pub fn parse_role(text: &str) -> Result<Role, RelayError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| RelayError::Internal(anyhow::anyhow!("unknown role in the metadata store")))
}

pub fn role_text(role: Role) -> &'static str {
    match role {
        Role::Viewer => "viewer",
        Role::Editor => "editor",
        Role::Admin => "admin",
        Role::Owner => "owner",
    }
}

/// Ends one session.
pub async fn revoke(meta: &MetaStore, session_hash: &[u8]) -> Result<(), RelayError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = ?").bind(session_hash).execute(&meta.0).await?;
    Ok(())
}

/// Ends every session of a user except `keep` (after a password change).
pub async fn revoke_others(meta: &MetaStore, user_id: &str, keep: &[u8]) -> Result<(), RelayError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND id_hash != ?")
        .bind(user_id)
        .bind(keep)
        .execute(&meta.0)
        .await?;
    Ok(())
}
