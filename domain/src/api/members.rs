//! Members of an organisation and invitations to join it.

use serde::{Deserialize, Serialize};

use crate::api::auth::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberSummary {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// RFC 3339.
    pub joined_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListMembersResponse {
    pub members: Vec<MemberSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeRoleRequest {
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInvitationRequest {
    pub role: Role,
    /// Optional: who it is meant for, shown to admins; the link works for whoever holds it.
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationSummary {
    pub id: String,
    pub role: Role,
    pub email: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub accepted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListInvitationsResponse {
    pub invitations: Vec<InvitationSummary>,
}

/// The invitation token appears here once; the relay keeps only its hash.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInvitationResponse {
    pub invitation: InvitationSummary,
    /// Path of the link to send, e.g. `/invite#<token>`: the token travels in the fragment so
    /// it never reaches a server log.
    pub link_path: String,
}

/// Accepts an invitation. A signed-in user joins with their account; otherwise the fields
/// below create one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInvitationRequest {
    pub token: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub password: Option<String>,
}

impl std::fmt::Debug for CreateInvitationResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateInvitationResponse").field("invitation", &self.invitation).finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AcceptInvitationRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcceptInvitationRequest").field("email", &self.email).finish_non_exhaustive()
    }
}
