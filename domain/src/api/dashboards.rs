//! Dashboards: saved charts and text laid out on a grid in tabs, with filters that bind to the
//! charts' results as bound parameters; and share links that open one dashboard without an
//! account. Definitions are stored; results never are.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a dashboard shows and how: tabs, tiles and filters.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardDefinition {
    /// Tab names, in order; a dashboard has at least one.
    pub tabs: Vec<String>,
    pub tiles: Vec<Tile>,
    #[serde(default)]
    pub filters: Vec<DashboardFilter>,
}

/// One tile: where it sits (grid cells, 12 columns wide) and what it shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tile {
    /// Unique within the dashboard.
    pub id: String,
    /// Index into `tabs`.
    pub tab: usize,
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub content: TileContent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TileContent {
    /// A saved chart, filtered by the dashboard filters bound to its columns.
    Chart {
        chart_id: String,
        #[serde(default)]
        bindings: Vec<FilterBinding>,
    },
    /// Markdown text.
    Text { markdown: String },
}

/// "Filter `filter_id` applies to result column `column` of this tile's chart."
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FilterBinding {
    pub filter_id: String,
    pub column: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardFilter {
    pub id: String,
    pub label: String,
    pub kind: FilterKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FilterKind {
    /// Rows whose date falls in `[from, to]` (`YYYY-MM-DD`, either end open).
    DateRange,
    /// Rows whose value, as text, equals the chosen one.
    Category,
    /// Rows whose number equals the chosen one.
    Number,
}

/// A filter's chosen value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum FilterValue {
    DateRange { from: Option<String>, to: Option<String> },
    Number(f64),
    Category(String),
}

/// Filter values by filter id.
pub type FilterValues = BTreeMap<String, FilterValue>;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardRequest {
    pub name: String,
    pub definition: DashboardDefinition,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub id: String,
    pub name: String,
    pub definition: DashboardDefinition,
    pub created_by: String,
    pub created_at: String,
    pub updated_by: String,
    pub updated_at: String,
    /// When it was archived: out of the list, its share links dead, until restored.
    #[serde(default)]
    pub archived_at: Option<String>,
}

/// `GET /api/v1/dashboards?archived=true` lists the archived ones instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct ListDashboardsQuery {
    #[serde(default)]
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListDashboardsResponse {
    pub dashboards: Vec<Dashboard>,
}

/// Run one tile with the dashboard's current filter values.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TileRunRequest {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub filters: FilterValues,
}

/// An organisation's rules for share links, set by its admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharingPolicy {
    /// The longest a new link may last, in days (1 to 365). Lowering it shortens live links.
    pub share_link_max_days: u32,
}

/// Create a share link.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareLinkRequest {
    /// Days until the link stops working; 7 (or the organisation's maximum, if shorter) when
    /// left out.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// Filter values the link's visitors cannot change.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub locked_filters: FilterValues,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareLinkSummary {
    pub id: String,
    pub dashboard_id: String,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub locked_filters: FilterValues,
}

/// A new (or rotated) link. The token is shown this once; the relay keeps only its hash.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateShareLinkResponse {
    pub link: ShareLinkSummary,
    pub token: String,
    /// Where the link opens in the app: `/share#<token>` (the fragment never reaches a server).
    pub path: String,
}

/// Redacted: the token is a credential.
impl std::fmt::Debug for CreateShareLinkResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateShareLinkResponse").field("link", &self.link).field("token", &"‹redacted›").finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListShareLinksResponse {
    pub links: Vec<ShareLinkSummary>,
}

/// What a share link shows: the dashboard's layout and each chart tile's name and settings,
/// without SQL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedDashboard {
    pub name: String,
    pub definition: DashboardDefinition,
    /// By chart id.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub charts: BTreeMap<String, SharedChart>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub locked_filters: FilterValues,
    pub expires_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SharedChart {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub chart: crate::chart::ChartSpec,
}

/// The header a share link's visitor sends its token in: `Authorization: Share <token>`.
pub const SHARE_AUTH_SCHEME: &str = "Share";
