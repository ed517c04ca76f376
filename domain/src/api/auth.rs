//! Who may do what: roles, the permission matrix, and the bodies of sign-in, set-up and the
//! current-user routes. The matrix lives here so the relay enforces it and the app hides what a
//! role cannot do from one definition.

use serde::{Deserialize, Serialize};

/// A member's role in one organisation, from least to most trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Editor, Role::Admin, Role::Owner];

    pub fn label(self) -> &'static str {
        match self {
            Role::Viewer => "Viewer",
            Role::Editor => "Editor",
            Role::Admin => "Admin",
            Role::Owner => "Owner",
        }
    }

    /// The permission matrix (README, "Roles"). Every route names one permission and the
    /// relay checks it here, so this function is the whole policy.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        let least = match permission {
            ViewDashboards | ViewSources | Ask => Role::Viewer,
            RunSql | SaveDashboards | ShareDashboards => Role::Editor,
            ManageSources | ManageMembers | ManageApiKeys | ViewAudit => Role::Admin,
            ManageOwners => Role::Owner,
        };
        self >= least
    }
}

/// What a route needs. Kept coarse on purpose: a permission per kind of action, not per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Open dashboards and change their filters.
    ViewDashboards,
    /// List data sources and browse their schemas.
    ViewSources,
    /// Ask questions: the compiler's SQL runs, nothing else.
    Ask,
    /// Write and run free SQL.
    RunSql,
    /// Save charts and build dashboards.
    SaveDashboards,
    /// Create share links for dashboards.
    ShareDashboards,
    /// Add, edit and remove data sources.
    ManageSources,
    /// Invite members, change roles below owner, remove members.
    ManageMembers,
    /// Create and revoke API keys.
    ManageApiKeys,
    /// Read the audit log.
    ViewAudit,
    /// Make or unmake owners.
    ManageOwners,
}

impl Permission {
    pub const ALL: [Permission; 11] = [
        Permission::ViewDashboards,
        Permission::ViewSources,
        Permission::Ask,
        Permission::RunSql,
        Permission::SaveDashboards,
        Permission::ShareDashboards,
        Permission::ManageSources,
        Permission::ManageMembers,
        Permission::ManageApiKeys,
        Permission::ViewAudit,
        Permission::ManageOwners,
    ];
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

/// Creates the first owner and organisation with the one-time link printed at first start.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupRequest {
    pub token: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub organisation_name: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Membership {
    pub organisation_id: String,
    pub organisation_name: String,
    pub role: Role,
}

/// The signed-in user, their organisations, and which one requests act in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub user: UserSummary,
    pub memberships: Vec<Membership>,
    pub active_organisation_id: String,
}

impl MeResponse {
    pub fn active_role(&self) -> Option<Role> {
        self.memberships.iter().find(|m| m.organisation_id == self.active_organisation_id).map(|m| m.role)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwitchOrganisationRequest {
    pub organisation_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateOrganisationRequest {
    pub name: String,
}

/// Whether the relay still waits for its first owner (the set-up page asks before showing a form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupStatusResponse {
    pub needs_setup: bool,
}

/// Passwords never print, not even by accident through `{:?}`.
macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), " { ‹redacted› }"))
            }
        }
    )*};
}
redacted_debug!(SignInRequest, SetupRequest, ChangePasswordRequest);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_has_exactly_its_permissions() {
        use Permission::*;
        let viewer = [ViewDashboards, ViewSources, Ask];
        let editor = [RunSql, SaveDashboards, ShareDashboards];
        let admin = [ManageSources, ManageMembers, ManageApiKeys, ViewAudit];
        for p in Permission::ALL {
            assert_eq!(Role::Viewer.allows(p), viewer.contains(&p), "viewer {p:?}");
            assert_eq!(Role::Editor.allows(p), viewer.contains(&p) || editor.contains(&p), "editor {p:?}");
            assert_eq!(Role::Admin.allows(p), p != ManageOwners, "admin {p:?}");
            assert!(Role::Owner.allows(p), "owner {p:?}");
        }
        assert!(admin.iter().all(|p| !Role::Editor.allows(*p)));
    }

    #[test]
    fn passwords_never_appear_in_debug_output() {
        let request = SignInRequest { email: "a@b.c".into(), password: "hunter2-secret".into() };
        assert!(!format!("{request:?}").contains("hunter2"));
    }
}
