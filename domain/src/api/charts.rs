//! Saved charts: a question's SQL, its chart settings and its source, kept so they can be run
//! again. Never their results: a saved chart runs live every time it is opened.

use serde::{Deserialize, Serialize};

use crate::api::sources::SourceId;
use crate::chart::ChartSpec;

/// Save or change a chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedChartRequest {
    pub name: String,
    pub source_id: SourceId,
    /// The question the SQL answers, if it came from one.
    #[serde(default)]
    pub question: String,
    pub sql: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub chart: ChartSpec,
}

/// A saved chart with its provenance: which SQL on which source, the schema version it was
/// built on, and who saved it when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedChart {
    pub id: String,
    pub name: String,
    pub source_id: SourceId,
    pub question: String,
    pub sql: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub chart: ChartSpec,
    /// When the source's schema that the chart was built on was read (RFC 3339).
    pub schema_indexed_at: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSavedChartsResponse {
    pub charts: Vec<SavedChart>,
}
