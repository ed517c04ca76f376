//! The audit log: security events, written by the features that cause them and read by
//! owners and admins. Entries name people and keys, never secrets.

use axum::extract::State;
use sqlx::Row;
use vizkraft_domain::api::audit::{AuditEvent, AuditEventKind, ListAuditResponse};
use vizkraft_domain::api::auth::Permission;

use crate::access::{unix_now, Access, ApiRoutes, ClientAddress, Principal};
use crate::error::{ApiJson, RelayError};
use crate::state::MetaStore;

/// Most events one listing returns, newest first.
const PAGE: i64 = 500;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default().get("/audit", Access::Permission(Permission::ViewAudit), list_audit_events)
}

/// One event to record.
pub struct Entry<'a> {
    pub organisation_id: Option<&'a str>,
    pub kind: AuditEventKind,
    pub actor: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub address: Option<String>,
}

/// Records an event. A failure to write the log fails the request: an action that cannot be
/// audited should not happen unaudited.
pub async fn record(meta: &MetaStore, entry: Entry<'_>) -> Result<(), RelayError> {
    let kind = serde_json::to_value(entry.kind).map_err(anyhow::Error::from)?;
    sqlx::query(
        "INSERT INTO audit_events (organisation_id, at, kind, actor, subject, address) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(entry.organisation_id)
    .bind(unix_now())
    .bind(kind.as_str().unwrap_or_default())
    .bind(entry.actor)
    .bind(entry.subject)
    .bind(entry.address)
    .execute(&meta.0)
    .await?;
    Ok(())
}

/// Records what `principal` did to `subject` from `address`. The action has happened by now,
/// so a failure to write the log is itself logged rather than undoing it.
pub async fn record_action(
    meta: &MetaStore,
    principal: &Principal,
    address: ClientAddress,
    kind: AuditEventKind,
    subject: &str,
) {
    let actor = principal.audit_name();
    let entry = Entry {
        organisation_id: Some(&principal.organisation_id),
        kind,
        actor: Some(&actor),
        subject: Some(subject),
        address: address.to_audit(),
    };
    if let Err(e) = record(meta, entry).await {
        tracing::warn!(error = %e, ?kind, "cannot record an action in the audit log");
    }
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", responses((status = 200, body = ListAuditResponse)))]
pub async fn list_audit_events(
    State(meta): State<MetaStore>,
    principal: Principal,
) -> Result<ApiJson<ListAuditResponse>, RelayError> {
    let rows = sqlx::query(
        "SELECT id, strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch') AS at, kind, actor, subject, address
         FROM audit_events WHERE organisation_id = ? ORDER BY id DESC LIMIT ?",
    )
    .bind(&principal.organisation_id)
    .bind(PAGE)
    .fetch_all(&meta.0)
    .await?;
    let mut events = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get("kind")?;
        let Ok(kind) = serde_json::from_value::<AuditEventKind>(serde_json::Value::String(kind)) else { continue };
        events.push(AuditEvent {
            id: row.try_get("id")?,
            at: row.try_get("at")?,
            kind,
            actor: row.try_get("actor")?,
            subject: row.try_get("subject")?,
            address: row.try_get("address")?,
        });
    }
    Ok(ApiJson(ListAuditResponse { events }))
}
