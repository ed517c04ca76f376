//! API keys: created by admins, shown once, stored only as a hash.

use serde::{Deserialize, Serialize};

use crate::api::auth::Role;

/// Every key starts with this, so secret scanners and people recognise one.
pub const API_KEY_PREFIX: &str = "vk_";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyRequest {
    pub name: String,
    /// No higher than the creator's own role.
    pub role: Role,
    /// Days until the key stops working; none means it lasts until revoked.
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeySummary {
    pub id: String,
    pub name: String,
    /// The key's public part (`vk_<id>`), enough to recognise it, useless to authenticate.
    pub display_prefix: String,
    pub role: Role,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListApiKeysResponse {
    pub keys: Vec<ApiKeySummary>,
}

/// The only time the secret is ever shown.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateApiKeyResponse {
    pub key: ApiKeySummary,
    pub secret: String,
}

impl std::fmt::Debug for CreateApiKeyResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateApiKeyResponse").field("key", &self.key).finish_non_exhaustive()
    }
}
