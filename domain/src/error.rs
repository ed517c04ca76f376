//! The error body every failing API call returns, and the stable codes clients match on.

use serde::{Deserialize, Serialize};

/// Machine-readable reason for a failure. Clients branch on this, never on the message text,
/// so the variants' wire names are a stable contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or a parameter could not be parsed.
    BadRequest,
    /// No valid session or API key came with the request.
    Unauthenticated,
    /// The caller's role does not allow this.
    Forbidden,
    /// A state-changing request came from another origin (CSRF protection).
    CrossOrigin,
    /// Too many attempts; retry after the time in `Retry-After`.
    RateLimited,
    /// The request conflicts with the current state (e.g. removing the last owner).
    Conflict,
    /// A link or token is unknown, used, revoked or expired.
    TokenInvalid,
    /// The addressed object does not exist (or belongs to someone else).
    NotFound,
    /// The SQL is not exactly one read-only query.
    ReadOnlyViolation,
    /// The SQL could not be parsed at all.
    SqlSyntax,
    /// The database rejected the query while planning or running it.
    QueryFailed,
    /// The query ran longer than the configured statement timeout.
    QueryTimeout,
    /// The data source could not be opened.
    SourceUnreachable,
    /// The data source settings did not lead to a working read-only connection; the message says why.
    ConnectionFailed,
    /// Something went wrong inside the relay; details are in its log, not in the response.
    Internal,
}

/// JSON body of every non-2xx API response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for ApiError {}
