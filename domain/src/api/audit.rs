//! The audit log of security events, readable by owners and admins. It never holds secrets.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AuditEventKind {
    SignedIn,
    SignInFailed,
    SignedOut,
    PasswordChanged,
    OrganisationCreated,
    InvitationCreated,
    InvitationAccepted,
    RoleChanged,
    MemberRemoved,
    ApiKeyCreated,
    ApiKeyUsed,
    ApiKeyRevoked,
    SourceAdded,
    SourceChanged,
    SourceRemoved,
    ChartSaved,
    ChartChanged,
    ChartDeleted,
    DashboardArchived,
    DashboardRestored,
    ShareLinkCreated,
    ShareLinkRevoked,
    ShareLinkRotated,
    SharingPolicyChanged,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEvent {
    pub id: i64,
    pub at: String,
    pub kind: AuditEventKind,
    /// Who acted: a user's e-mail or an API key's display prefix.
    pub actor: Option<String>,
    /// What it was about (a member's e-mail, a key's name …), never a secret.
    pub subject: Option<String>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListAuditResponse {
    pub events: Vec<AuditEvent>,
}
