//! One file per page; the route table in `crate::Route` maps paths to them.

pub mod account;
pub mod api_keys;
pub mod ask;
pub mod audit;
pub mod charts;
pub mod dashboards;
pub mod invite;
pub mod members;
pub mod not_allowed;
pub mod not_found;
pub mod setup;
pub mod share;
pub mod sign_in;
pub mod sources;

pub use account::AccountPage;
pub use api_keys::ApiKeysPage;
pub use ask::AskPage;
pub use audit::AuditPage;
pub use charts::ChartsPage;
pub use dashboards::DashboardsPage;
pub use invite::InvitePage;
pub use members::MembersPage;
pub use not_allowed::NotAllowedPage;
pub use not_found::NotFoundPage;
pub use setup::SetupPage;
pub use share::SharePage;
pub use sign_in::SignInPage;
pub use sources::SourcesPage;
