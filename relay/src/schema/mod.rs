//! The schema index: catalog metadata read from each source (never rows) and kept in the
//! metadata store as the source's semantic model.

mod sqlite;
mod store;

pub use sqlite::index_sqlite;
pub use store::{load_snapshot, save_snapshot};
