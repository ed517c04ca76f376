//! Invitations by link: a random token shown once (stored hashed), single use, expiring.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use sqlx::Row;
use vizkraft_domain::api::audit::AuditEventKind;
use vizkraft_domain::api::auth::MeResponse;
use vizkraft_domain::api::members::{
    AcceptInvitationRequest, CreateInvitationRequest, CreateInvitationResponse, InvitationSummary,
    ListInvitationsResponse,
};

use crate::access::{new_id, random_token, token_hash, unix_now, ClientAddress, Principal};
use crate::audit::{self, Entry};
use crate::auth::{self, parse_role, role_text, within};
use crate::error::{ApiJson, RelayError};
use crate::state::{AppState, MetaStore};

/// How long an invitation link works.
const INVITATION_SECS: i64 = 7 * 24 * 60 * 60;

const SUMMARY_COLUMNS: &str = "id, role, email, accepted_at IS NOT NULL AS accepted,
    strftime('%Y-%m-%dT%H:%M:%SZ', created_at, 'unixepoch') AS created_at,
    strftime('%Y-%m-%dT%H:%M:%SZ', expires_at, 'unixepoch') AS expires_at";

fn summary(row: &sqlx::sqlite::SqliteRow) -> Result<InvitationSummary, RelayError> {
    Ok(InvitationSummary {
        id: row.try_get("id")?,
        role: parse_role(&row.try_get::<String, _>("role")?)?,
        email: row.try_get("email")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        accepted: row.try_get("accepted")?,
    })
}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "members", responses((status = 200, body = ListInvitationsResponse)))]
pub async fn list_invitations(
    State(meta): State<MetaStore>,
    principal: Principal,
) -> Result<ApiJson<ListInvitationsResponse>, RelayError> {
    let rows = sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM invitations WHERE organisation_id = ? ORDER BY created_at DESC"
    ))
    .bind(&principal.organisation_id)
    .fetch_all(&meta.0)
    .await?;
    Ok(ApiJson(ListInvitationsResponse { invitations: rows.iter().map(summary).collect::<Result<_, _>>()? }))
}

#[utoipa::path(post, path = "/api/v1/invitations", tag = "members", request_body = CreateInvitationRequest,
    responses((status = 200, body = CreateInvitationResponse)))]
pub async fn create_invitation(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    ApiJson(request): ApiJson<CreateInvitationRequest>,
) -> Result<ApiJson<CreateInvitationResponse>, RelayError> {
    let creator = principal.user_id().ok_or(RelayError::Forbidden)?;
    within(request.role, principal.role)?;
    let email = request.email.as_deref().map(str::trim).filter(|e| !e.is_empty()).map(str::to_lowercase);
    let (id, token, now) = (new_id(), random_token(), unix_now());
    sqlx::query(
        "INSERT INTO invitations (id, organisation_id, token_hash, role, email, created_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(&principal.organisation_id)
    .bind(token_hash(&token))
    .bind(role_text(request.role))
    .bind(&email)
    .bind(creator)
    .bind(now)
    .bind(now + INVITATION_SECS)
    .execute(&meta.0)
    .await?;
    let subject = format!("{} as {}", email.as_deref().unwrap_or("someone"), request.role.label());
    audit::record(
        &meta,
        Entry {
            organisation_id: Some(&principal.organisation_id),
            kind: AuditEventKind::InvitationCreated,
            actor: Some(&principal.audit_name()),
            subject: Some(&subject),
            address: address.to_audit(),
        },
    )
    .await?;
    let row = sqlx::query(&format!("SELECT {SUMMARY_COLUMNS} FROM invitations WHERE id = ?"))
        .bind(&id)
        .fetch_one(&meta.0)
        .await?;
    // The token rides in the fragment, which browsers never send to a server.
    Ok(ApiJson(CreateInvitationResponse { invitation: summary(&row)?, link_path: format!("/invite#{token}") }))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "members", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn revoke_invitation(
    State(meta): State<MetaStore>,
    principal: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, RelayError> {
    let deleted = sqlx::query("DELETE FROM invitations WHERE id = ? AND organisation_id = ? AND accepted_at IS NULL")
        .bind(&id)
        .bind(&principal.organisation_id)
        .execute(&meta.0)
        .await?
        .rows_affected();
    if deleted == 0 {
        return Err(RelayError::NotFound("invitation"));
    }
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "members", request_body = AcceptInvitationRequest,
    responses((status = 200, body = MeResponse), (status = 410, body = vizkraft_domain::ApiError)))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    address: ClientAddress,
    headers: HeaderMap,
    ApiJson(request): ApiJson<AcceptInvitationRequest>,
) -> Result<(HeaderMap, ApiJson<MeResponse>), RelayError> {
    let meta = &state.meta;
    // A signed-in person joins with the account they have; anyone else makes one.
    let signed_in = match auth::session_cookie(&headers) {
        Some(cookie) => auth::authenticate_session(meta, &cookie).await.ok(),
        None => None,
    };
    let new_account = match &signed_in {
        Some(_) => None,
        None => {
            let email = request.email.as_deref().unwrap_or_default().trim().to_lowercase();
            if !email.contains('@') {
                return Err(RelayError::BadRequest("Give your e-mail address to create your account.".into()));
            }
            let name = request.display_name.as_deref().unwrap_or_default().trim().to_owned();
            if name.is_empty() {
                return Err(RelayError::BadRequest("Give your name to create your account.".into()));
            }
            let password = request.password.clone().unwrap_or_default();
            auth::check_policy(&password)?;
            Some((email, name, auth::hash_password(password).await?))
        }
    };

    let now = unix_now();
    let mut tx = meta.0.begin().await?;
    let invitation = sqlx::query(
        "UPDATE invitations SET accepted_at = ? WHERE token_hash = ? AND accepted_at IS NULL AND expires_at > ?
         RETURNING id, organisation_id, role",
    )
    .bind(now)
    .bind(token_hash(&request.token))
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(RelayError::TokenInvalid("This invitation is unknown, already used or expired. Ask for a new one."))?;
    let organisation_id: String = invitation.try_get("organisation_id")?;
    let (user_id, email) = match (&signed_in, new_account) {
        (Some(principal), _) => {
            let email = principal.audit_name();
            (principal.user_id().ok_or(RelayError::Forbidden)?.to_owned(), email)
        }
        (None, Some((email, name, password_hash))) => {
            let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = ?)")
                .bind(&email)
                .fetch_one(&mut *tx)
                .await?;
            if taken {
                return Err(RelayError::Conflict(
                    "An account with this e-mail exists: sign in, then open the link again.".into(),
                ));
            }
            let id = new_id();
            sqlx::query(
                "INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(&email)
            .bind(&name)
            .bind(&password_hash)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            (id, email)
        }
        (None, None) => return Err(RelayError::Unauthenticated),
    };
    let joined = sqlx::query(
        "INSERT OR IGNORE INTO memberships (organisation_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
    )
    .bind(&organisation_id)
    .bind(&user_id)
    .bind(invitation.try_get::<String, _>("role")?)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if joined == 0 {
        return Err(RelayError::Conflict("You are already a member of this organisation.".into()));
    }
    sqlx::query("UPDATE invitations SET accepted_by = ? WHERE id = ?")
        .bind(&user_id)
        .bind(invitation.try_get::<String, _>("id")?)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    audit::record(
        meta,
        Entry {
            organisation_id: Some(&organisation_id),
            kind: AuditEventKind::InvitationAccepted,
            actor: Some(&email),
            subject: None,
            address: address.to_audit(),
        },
    )
    .await?;
    let mut response_headers = HeaderMap::new();
    match &signed_in {
        Some(principal) => {
            if let crate::access::Actor::User { session_hash, .. } = &principal.actor {
                sqlx::query("UPDATE sessions SET active_organisation_id = ? WHERE id_hash = ?")
                    .bind(&organisation_id)
                    .bind(session_hash)
                    .execute(&meta.0)
                    .await?;
            }
        }
        None => {
            response_headers.insert(header::SET_COOKIE, auth::create_session(meta, &user_id, &organisation_id).await?);
        }
    }
    Ok((response_headers, ApiJson(auth::me(meta, &user_id, &organisation_id).await?)))
}
