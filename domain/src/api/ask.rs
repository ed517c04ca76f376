//! Ask: a question in plain language becomes SQL, a chart suggestion and an explanation,
//! without running anything.

use serde::{Deserialize, Serialize};

use crate::api::sources::SourceId;
use crate::semantic::CompileOutcome;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AskRequest {
    pub source_id: SourceId,
    pub question: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AskResponse {
    pub outcome: CompileOutcome,
}
