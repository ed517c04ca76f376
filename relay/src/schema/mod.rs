//! The schema index: catalog metadata read from each source (never rows) and kept in the
//! metadata store as the source's semantic model.

mod mysql;
mod postgres;
mod sqlite;
mod store;

use vizkraft_domain::semantic::SchemaModel;

pub use mysql::index_mysql;
pub use postgres::index_postgres;
pub use sqlite::index_sqlite;
pub use store::{load_snapshot, save_snapshot, Reading, Snapshot};

/// A referenced table in the child's own schema is named bare; one elsewhere is `schema.table`,
/// the form the compiler's join planner resolves.
fn qualified(child_schema: Option<&str>, schema: Option<&str>, table: String) -> String {
    match schema {
        Some(s) if Some(s) != child_schema => format!("{s}.{table}"),
        _ => table,
    }
}

/// Reads the catalog through a network source's session.
pub async fn index_session(session: &mut crate::sources::network::Session) -> Result<SchemaModel, sqlx::Error> {
    use crate::sources::network::Session;
    match session {
        Session::Postgres { conn, .. } => index_postgres(conn).await,
        Session::Mysql { conn, .. } => index_mysql(conn).await,
    }
}
