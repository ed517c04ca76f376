//! Data sources: the list a user can pick from and each source's schema.

use serde::{Deserialize, Serialize};

use crate::semantic::{Engine, SchemaModel};

/// Stable identifier of a data source, as used in URLs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct SourceId(pub String);

impl std::fmt::Display for SourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceSummary {
    pub id: SourceId,
    pub name: String,
    pub engine: Engine,
    /// Example questions that fit this source's schema, for a first-time user.
    pub example_questions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSourcesResponse {
    pub sources: Vec<SourceSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceSchemaResponse {
    pub source: SourceSummary,
    /// When the relay last read the catalog, as RFC 3339.
    pub indexed_at: String,
    pub schema: SchemaModel,
}
