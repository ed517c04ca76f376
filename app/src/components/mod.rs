//! Widgets the pages are assembled from; each owns its markup and `data-testid`s.

pub mod chart_switcher;
pub mod chart_view;
pub mod data_table;
pub mod error_message;
pub mod explanation;
pub mod run_progress;
pub mod schema_browser;

pub use chart_switcher::ChartSwitcher;
pub use chart_view::ChartView;
pub use data_table::DataTable;
pub use error_message::ErrorMessage;
pub use explanation::{Clarification, Explanation};
pub use run_progress::RunProgress;
pub use schema_browser::SchemaBrowser;
