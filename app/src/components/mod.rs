//! Widgets the pages are assembled from; each owns its markup and `data-testid`s.

pub mod chart_switcher;
pub mod chart_view;
pub mod connection_test;
pub mod copy_field;
pub mod data_table;
pub mod error_message;
pub mod explanation;
pub mod export;
pub mod field;
pub mod header;
pub mod link;
pub mod offline;
pub mod role_select;
pub mod run_progress;
pub mod schema_browser;
pub mod schema_changes;
pub mod source_form;
pub mod timestamp;

pub use chart_switcher::ChartSwitcher;
pub use chart_view::{option_to_js, ChartView};
pub use connection_test::{failure_heading, failure_kind_value, ConnectionTestResult};
pub use copy_field::CopyField;
pub use data_table::DataTable;
pub use error_message::ErrorMessage;
pub use explanation::{Clarification, Explanation};
pub use export::{download_url, ExportCsvButton};
pub use field::{Field, MIN_PASSWORD_CHARS};
pub use header::AppHeader;
pub use link::Link;
pub use offline::{online_signal, register_service_worker, OfflineBanner};
pub use role_select::{grantable_roles, role_value, RoleSelect};
pub use run_progress::RunProgress;
pub use schema_browser::SchemaBrowser;
pub use schema_changes::SchemaChangesList;
pub use source_form::{engine_label, SourceForm, SourceFormCard};
pub use timestamp::{format_timestamp, Timestamp};
