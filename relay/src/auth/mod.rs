//! Signing in and out, the first-start set-up, and the signed-in user's own account.

mod passwords;
mod sessions;
mod throttle;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use sqlx::Row;
use vizkraft_domain::api::audit::AuditEventKind;
use vizkraft_domain::api::auth::{
    ChangePasswordRequest, CreateOrganisationRequest, MeResponse, Membership, Role, SetupRequest, SetupStatusResponse,
    SignInRequest, SwitchOrganisationRequest, UserSummary,
};

pub use passwords::{check_policy, hash as hash_password};
pub use sessions::{authenticate_session, create as create_session, parse_role, role_text, session_cookie};
pub use throttle::LoginThrottle;

use crate::access::{new_id, random_token, token_hash, unix_now, Access, Actor, ApiRoutes, ClientAddress, Principal};
use crate::audit::{self, Entry};
use crate::error::{ApiJson, RelayError};
use crate::state::{AppState, MetaStore};

/// How long the first-start link works.
const SETUP_LINK_SECS: i64 = 60 * 60;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default()
        .get("/setup", Access::Public, get_setup_status)
        .post("/setup", Access::Public, complete_setup)
        .post("/session", Access::Public, sign_in)
        .delete("/session", Access::SignedIn, sign_out)
        .put("/session/organisation", Access::SignedIn, switch_organisation)
        .post("/organisations", Access::SignedIn, create_organisation)
        .get("/me", Access::SignedIn, get_me)
        .put("/me/password", Access::SignedIn, change_password)
}

/// While no user exists, makes a fresh one-time set-up token (replacing older ones) and returns
/// it for the operator's console. `None` once the relay has users.
pub async fn ensure_setup_token(meta: &MetaStore) -> anyhow::Result<Option<String>> {
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&meta.0).await?;
    if users > 0 {
        return Ok(None);
    }
    let token = random_token();
    let mut tx = meta.0.begin().await?;
    sqlx::query("DELETE FROM setup_tokens").execute(&mut *tx).await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash, expires_at) VALUES (?, ?)")
        .bind(token_hash(&token))
        .bind(unix_now() + SETUP_LINK_SECS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(token))
}

fn normalise_email(email: &str) -> Result<String, RelayError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254 && email.split_once('@').is_some_and(|(a, d)| !a.is_empty() && d.contains('.'));
    if !valid {
        return Err(RelayError::BadRequest("That does not look like an e-mail address.".into()));
    }
    Ok(email)
}

fn required(text: &str, what: &str) -> Result<String, RelayError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 200 {
        return Err(RelayError::BadRequest(format!("Give a {what} of 1 to 200 characters.")));
    }
    Ok(text.to_owned())
}

#[utoipa::path(get, path = "/api/v1/setup", tag = "auth", responses((status = 200, body = SetupStatusResponse)))]
pub async fn get_setup_status(State(meta): State<MetaStore>) -> Result<ApiJson<SetupStatusResponse>, RelayError> {
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&meta.0).await?;
    Ok(ApiJson(SetupStatusResponse { needs_setup: users == 0 }))
}

#[utoipa::path(post, path = "/api/v1/setup", tag = "auth", request_body = SetupRequest,
    responses((status = 200, body = MeResponse), (status = 410, description = "The link is unknown, used or expired")))]
pub async fn complete_setup(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(request): ApiJson<SetupRequest>,
) -> Result<(HeaderMap, ApiJson<MeResponse>), RelayError> {
    let email = normalise_email(&request.email)?;
    let display_name = required(&request.display_name, "name")?;
    let organisation_name = required(&request.organisation_name, "organisation name")?;
    check_policy(&request.password)?;
    let password_hash = hash_password(request.password).await?;

    let meta = &state.meta;
    let (user_id, organisation_id) = (new_id(), new_id());
    let now = unix_now();
    let mut tx = meta.0.begin().await?;
    // The token is spent in the same transaction that creates the owner: one use only.
    let spent = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = ? AND expires_at > ?")
        .bind(token_hash(&request.token))
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&mut *tx).await?;
    if spent == 0 || users > 0 {
        return Err(RelayError::TokenInvalid(
            "This set-up link is unknown, used or expired. Restart the relay for a new one.",
        ));
    }
    sqlx::query("INSERT INTO users (id, email, display_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)")
        .bind(&user_id)
        .bind(&email)
        .bind(&display_name)
        .bind(&password_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    create_owned_organisation(&mut tx, &organisation_id, &organisation_name, &user_id, now).await?;
    sqlx::query("UPDATE sources SET organisation_id = ? WHERE organisation_id IS NULL")
        .bind(&organisation_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    state.sources.claim_unowned(&organisation_id).await;

    let entry = |kind| Entry {
        organisation_id: Some(&organisation_id),
        kind,
        actor: Some(&email),
        subject: None,
        address: address.to_audit(),
    };
    audit::record(meta, Entry { subject: Some(&organisation_name), ..entry(AuditEventKind::OrganisationCreated) })
        .await?;
    audit::record(meta, entry(AuditEventKind::SignedIn)).await?;
    let cookie = create_session(meta, &user_id, &organisation_id).await?;
    Ok((set_cookie(cookie), ApiJson(me(meta, &user_id, &organisation_id).await?)))
}

#[utoipa::path(post, path = "/api/v1/session", tag = "auth", request_body = SignInRequest,
    responses((status = 200, body = MeResponse), (status = 401, body = vizkraft_domain::ApiError),
              (status = 429, body = vizkraft_domain::ApiError)))]
pub async fn sign_in(
    State(state): State<AppState>,
    address: ClientAddress,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<(HeaderMap, ApiJson<MeResponse>), RelayError> {
    let email = request.email.trim().to_lowercase();
    let ip = address.0.map(|a| a.ip());
    let now = unix_now();
    state.throttle.check(&email, ip, now)?;

    let account = sqlx::query("SELECT id, password_hash FROM users WHERE email = ?")
        .bind(&email)
        .fetch_optional(&state.meta.0)
        .await?;
    let (user_id, stored) = match &account {
        Some(row) => (Some(row.try_get::<String, _>("id")?), Some(row.try_get::<String, _>("password_hash")?)),
        None => (None, None),
    };
    let verified = passwords::verify(request.password, stored).await?;
    // The first organisation the user joined becomes the active one.
    let organisation: Option<String> =
        match (&user_id, verified) {
            (Some(id), true) => sqlx::query_scalar(
                "SELECT organisation_id FROM memberships WHERE user_id = ? ORDER BY joined_at, organisation_id LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&state.meta.0)
            .await?,
            _ => None,
        };
    let (Some(user_id), Some(organisation_id)) = (user_id.clone(), organisation) else {
        state.throttle.record_failure(&email, ip, now);
        // A failure against a real account shows in that account's first organisation's log.
        let home: Option<String> = match &user_id {
            Some(id) => sqlx::query_scalar(
                "SELECT organisation_id FROM memberships WHERE user_id = ? ORDER BY joined_at, organisation_id LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&state.meta.0)
            .await?,
            None => None,
        };
        audit::record(
            &state.meta,
            Entry {
                organisation_id: home.as_deref(),
                kind: AuditEventKind::SignInFailed,
                actor: Some(&email),
                subject: None,
                address: address.to_audit(),
            },
        )
        .await?;
        // One message whether the account exists or not.
        return Err(RelayError::SignInFailed);
    };
    state.throttle.record_success(&email);
    audit::record(
        &state.meta,
        Entry {
            organisation_id: Some(&organisation_id),
            kind: AuditEventKind::SignedIn,
            actor: Some(&email),
            subject: None,
            address: address.to_audit(),
        },
    )
    .await?;
    let cookie = create_session(&state.meta, &user_id, &organisation_id).await?;
    Ok((set_cookie(cookie), ApiJson(me(&state.meta, &user_id, &organisation_id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "auth", responses((status = 204)))]
pub async fn sign_out(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
) -> Result<(axum::http::StatusCode, HeaderMap), RelayError> {
    let Actor::User { session_hash, email, .. } = &principal.actor else { return Err(RelayError::Forbidden) };
    sessions::revoke(&meta, session_hash).await?;
    audit::record(
        &meta,
        Entry {
            organisation_id: Some(&principal.organisation_id),
            kind: AuditEventKind::SignedOut,
            actor: Some(email),
            subject: None,
            address: address.to_audit(),
        },
    )
    .await?;
    Ok((axum::http::StatusCode::NO_CONTENT, set_cookie(sessions::clearing_cookie()?)))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = MeResponse)))]
pub async fn get_me(State(meta): State<MetaStore>, principal: Principal) -> Result<ApiJson<MeResponse>, RelayError> {
    let user_id = principal.user_id().ok_or(RelayError::Forbidden)?;
    Ok(ApiJson(me(&meta, user_id, &principal.organisation_id).await?))
}

#[utoipa::path(put, path = "/api/v1/session/organisation", tag = "auth", request_body = SwitchOrganisationRequest,
    responses((status = 200, body = MeResponse), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn switch_organisation(
    State(meta): State<MetaStore>,
    principal: Principal,
    ApiJson(request): ApiJson<SwitchOrganisationRequest>,
) -> Result<ApiJson<MeResponse>, RelayError> {
    let Actor::User { user_id, session_hash, .. } = &principal.actor else { return Err(RelayError::Forbidden) };
    let member: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE user_id = ? AND organisation_id = ?")
            .bind(user_id)
            .bind(&request.organisation_id)
            .fetch_optional(&meta.0)
            .await?;
    if member.is_none() {
        return Err(RelayError::NotFound("organisation"));
    }
    sqlx::query("UPDATE sessions SET active_organisation_id = ? WHERE id_hash = ?")
        .bind(&request.organisation_id)
        .bind(session_hash)
        .execute(&meta.0)
        .await?;
    Ok(ApiJson(me(&meta, user_id, &request.organisation_id).await?))
}

/// Any signed-in person may start an organisation of their own; they become its owner and it
/// becomes their active one.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "auth", request_body = CreateOrganisationRequest,
    responses((status = 200, body = MeResponse)))]
pub async fn create_organisation(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    ApiJson(request): ApiJson<CreateOrganisationRequest>,
) -> Result<ApiJson<MeResponse>, RelayError> {
    let Actor::User { user_id, session_hash, email } = &principal.actor else { return Err(RelayError::Forbidden) };
    let name = required(&request.name, "organisation name")?;
    let (organisation_id, now) = (new_id(), unix_now());
    let mut tx = meta.0.begin().await?;
    create_owned_organisation(&mut tx, &organisation_id, &name, user_id, now).await?;
    sqlx::query("UPDATE sessions SET active_organisation_id = ? WHERE id_hash = ?")
        .bind(&organisation_id)
        .bind(session_hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    audit::record(
        &meta,
        Entry {
            organisation_id: Some(&organisation_id),
            kind: AuditEventKind::OrganisationCreated,
            actor: Some(email),
            subject: Some(&name),
            address: address.to_audit(),
        },
    )
    .await?;
    Ok(ApiJson(me(&meta, user_id, &organisation_id).await?))
}

#[utoipa::path(put, path = "/api/v1/me/password", tag = "auth", request_body = ChangePasswordRequest, responses((status = 204)))]
pub async fn change_password(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    ApiJson(request): ApiJson<ChangePasswordRequest>,
) -> Result<axum::http::StatusCode, RelayError> {
    let Actor::User { user_id, session_hash, email } = &principal.actor else { return Err(RelayError::Forbidden) };
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE id = ?").bind(user_id).fetch_one(&meta.0).await?;
    if !passwords::verify(request.current_password, Some(stored)).await? {
        // Not 401: the session is fine, only the typed password is not.
        return Err(RelayError::BadRequest("The current password is wrong.".into()));
    }
    check_policy(&request.new_password)?;
    let new_hash = hash_password(request.new_password).await?;
    sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(new_hash)
        .bind(user_id)
        .execute(&meta.0)
        .await?;
    sessions::revoke_others(&meta, user_id, session_hash).await?;
    audit::record(
        &meta,
        Entry {
            organisation_id: Some(&principal.organisation_id),
            kind: AuditEventKind::PasswordChanged,
            actor: Some(email),
            subject: None,
            address: address.to_audit(),
        },
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The signed-in user with their memberships.
pub async fn me(meta: &MetaStore, user_id: &str, active_organisation_id: &str) -> Result<MeResponse, RelayError> {
    let user =
        sqlx::query("SELECT id, email, display_name FROM users WHERE id = ?").bind(user_id).fetch_one(&meta.0).await?;
    let rows = sqlx::query(
        "SELECT o.id, o.name, m.role FROM memberships m JOIN organisations o ON o.id = m.organisation_id
         WHERE m.user_id = ? ORDER BY o.name",
    )
    .bind(user_id)
    .fetch_all(&meta.0)
    .await?;
    let mut memberships = Vec::with_capacity(rows.len());
    for row in rows {
        memberships.push(Membership {
            organisation_id: row.try_get("id")?,
            organisation_name: row.try_get("name")?,
            role: parse_role(&row.try_get::<String, _>("role")?)?,
        });
    }
    Ok(MeResponse {
        user: UserSummary {
            id: user.try_get("id")?,
            email: user.try_get("email")?,
            display_name: user.try_get("display_name")?,
        },
        memberships,
        active_organisation_id: active_organisation_id.to_owned(),
    })
}

/// A new organisation with `user_id` as its owner, inside the caller's transaction.
async fn create_owned_organisation(
    tx: &mut sqlx::SqliteConnection,
    organisation_id: &str,
    name: &str,
    user_id: &str,
    now: i64,
) -> Result<(), RelayError> {
    sqlx::query("INSERT INTO organisations (id, name, created_at) VALUES (?, ?, ?)")
        .bind(organisation_id)
        .bind(name)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO memberships (organisation_id, user_id, role, joined_at) VALUES (?, ?, 'owner', ?)")
        .bind(organisation_id)
        .bind(user_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

fn set_cookie(value: axum::http::HeaderValue) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, value);
    headers
}

/// A role no higher than `ceiling`, for invitations and API keys.
pub fn within(role: Role, ceiling: Role) -> Result<(), RelayError> {
    if role > ceiling {
        return Err(RelayError::Forbidden);
    }
    Ok(())
}
