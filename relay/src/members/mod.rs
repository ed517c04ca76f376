//! Members of an organisation and invitations to join it. Owners alone make or unmake owners,
//! and the last owner can be neither demoted nor removed.

pub mod invitations;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use sqlx::Row;
use vizkraft_domain::api::audit::AuditEventKind;
use vizkraft_domain::api::auth::{Permission, Role};
use vizkraft_domain::api::members::{ChangeRoleRequest, ListMembersResponse, MemberSummary};

use crate::access::{Access, ApiRoutes, ClientAddress, Principal};
use crate::audit::{self, Entry};
use crate::auth::{parse_role, role_text};
use crate::error::{ApiJson, RelayError};
use crate::state::MetaStore;

use invitations::{accept_invitation, create_invitation, list_invitations, revoke_invitation};

pub fn routes() -> ApiRoutes {
    let manage = Access::Permission(Permission::ManageMembers);
    ApiRoutes::default()
        .get("/members", manage, list_members)
        .put("/members/{user_id}/role", manage, change_member_role)
        .delete("/members/{user_id}", manage, remove_member)
        .get("/invitations", manage, list_invitations)
        .post("/invitations", manage, create_invitation)
        .delete("/invitations/{id}", manage, revoke_invitation)
        .post("/invitations/accept", Access::Public, accept_invitation)
}

#[utoipa::path(get, path = "/api/v1/members", tag = "members", responses((status = 200, body = ListMembersResponse)))]
pub async fn list_members(
    State(meta): State<MetaStore>,
    principal: Principal,
) -> Result<ApiJson<ListMembersResponse>, RelayError> {
    let rows = sqlx::query(
        "SELECT u.id, u.email, u.display_name, m.role, strftime('%Y-%m-%dT%H:%M:%SZ', m.joined_at, 'unixepoch') AS joined_at
         FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.organisation_id = ? ORDER BY u.display_name",
    )
    .bind(&principal.organisation_id)
    .fetch_all(&meta.0)
    .await?;
    let mut members = Vec::with_capacity(rows.len());
    for row in rows {
        members.push(MemberSummary {
            user_id: row.try_get("id")?,
            email: row.try_get("email")?,
            display_name: row.try_get("display_name")?,
            role: parse_role(&row.try_get::<String, _>("role")?)?,
            joined_at: row.try_get("joined_at")?,
        });
    }
    Ok(ApiJson(ListMembersResponse { members }))
}

/// The member's role and e-mail in the principal's organisation; 404 for anyone else's member.
async fn member(meta: &MetaStore, organisation_id: &str, user_id: &str) -> Result<(Role, String), RelayError> {
    let row = sqlx::query(
        "SELECT m.role, u.email FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE m.organisation_id = ? AND m.user_id = ?",
    )
    .bind(organisation_id)
    .bind(user_id)
    .fetch_optional(&meta.0)
    .await?
    .ok_or(RelayError::NotFound("member"))?;
    Ok((parse_role(&row.try_get::<String, _>("role")?)?, row.try_get("email")?))
}

/// Refuses to leave an organisation without an owner. Runs inside the change's transaction.
async fn keep_an_owner(tx: &mut sqlx::SqliteConnection, organisation_id: &str) -> Result<(), RelayError> {
    let owners: i64 =
        sqlx::query_scalar("SELECT count(*) FROM memberships WHERE organisation_id = ? AND role = 'owner'")
            .bind(organisation_id)
            .fetch_one(&mut *tx)
            .await?;
    if owners == 0 {
        return Err(RelayError::Conflict(
            "An organisation needs at least one owner: make someone else owner first.".into(),
        ));
    }
    Ok(())
}

#[utoipa::path(put, path = "/api/v1/members/{user_id}/role", tag = "members", request_body = ChangeRoleRequest,
    params(("user_id" = String, Path)),
    responses((status = 204), (status = 404, body = vizkraft_domain::ApiError), (status = 409, body = vizkraft_domain::ApiError)))]
pub async fn change_member_role(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    Path(user_id): Path<String>,
    ApiJson(request): ApiJson<ChangeRoleRequest>,
) -> Result<StatusCode, RelayError> {
    let (current, email) = member(&meta, &principal.organisation_id, &user_id).await?;
    if current == Role::Owner || request.role == Role::Owner {
        principal.require(Permission::ManageOwners)?;
    }
    let mut tx = meta.0.begin().await?;
    sqlx::query("UPDATE memberships SET role = ? WHERE organisation_id = ? AND user_id = ?")
        .bind(role_text(request.role))
        .bind(&principal.organisation_id)
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    keep_an_owner(&mut tx, &principal.organisation_id).await?;
    tx.commit().await?;
    audit::record(
        &meta,
        Entry {
            organisation_id: Some(&principal.organisation_id),
            kind: AuditEventKind::RoleChanged,
            actor: Some(&principal.audit_name()),
            subject: Some(&format!("{email}: {} → {}", current.label(), request.role.label())),
            address: address.to_audit(),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/api/v1/members/{user_id}", tag = "members", params(("user_id" = String, Path)),
    responses((status = 204), (status = 404, body = vizkraft_domain::ApiError), (status = 409, body = vizkraft_domain::ApiError)))]
pub async fn remove_member(
    State(meta): State<MetaStore>,
    address: ClientAddress,
    principal: Principal,
    Path(user_id): Path<String>,
) -> Result<StatusCode, RelayError> {
    let (current, email) = member(&meta, &principal.organisation_id, &user_id).await?;
    if current == Role::Owner {
        principal.require(Permission::ManageOwners)?;
    }
    let mut tx = meta.0.begin().await?;
    sqlx::query("DELETE FROM memberships WHERE organisation_id = ? AND user_id = ?")
        .bind(&principal.organisation_id)
        .bind(&user_id)
        .execute(&mut *tx)
        .await?;
    keep_an_owner(&mut tx, &principal.organisation_id).await?;
    // Their sessions in this organisation end now, not at their next request.
    sqlx::query("DELETE FROM sessions WHERE user_id = ? AND active_organisation_id = ?")
        .bind(&user_id)
        .bind(&principal.organisation_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    audit::record(
        &meta,
        Entry {
            organisation_id: Some(&principal.organisation_id),
            kind: AuditEventKind::MemberRemoved,
            actor: Some(&principal.audit_name()),
            subject: Some(&email),
            address: address.to_audit(),
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
