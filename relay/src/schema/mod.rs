//! The schema index: catalog metadata read from each source (never rows) and kept in the
//! metadata store as the source's semantic model.

mod mysql;
mod postgres;
mod sqlite;
mod store;

pub use mysql::index_mysql;
pub use postgres::index_postgres;
pub use sqlite::index_sqlite;
pub use store::{load_snapshot, save_snapshot};

/// A referenced table in the child's own schema is named bare; one elsewhere is `schema.table`,
/// the form the compiler's join planner resolves.
fn qualified(child_schema: Option<&str>, schema: Option<&str>, table: String) -> String {
    match schema {
        Some(s) if Some(s) != child_schema => format!("{s}.{table}"),
        _ => table,
    }
}
