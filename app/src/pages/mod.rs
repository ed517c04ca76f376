//! One file per page; `crate::routes` maps paths to them.

pub mod ask;
pub mod not_found;

pub use ask::AskPage;
pub use not_found::NotFoundPage;
