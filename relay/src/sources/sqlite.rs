//! Opening a SQLite source so that it cannot be written through the relay.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::ConnectOptions;

/// Opens `path` read-only (SQLITE_OPEN_READONLY) with `query_only` set, temp data kept in
/// memory and untrusted schema objects disarmed: even a statement that slipped past the
/// guard cannot write (https://www.sqlite.org/pragma.html#pragma_query_only).
pub async fn open_read_only(path: &Path) -> Result<sqlx::SqlitePool, sqlx::Error> {
    // The path comes from the operator's configuration, never from a request; the filename
    // setter (not URL parsing) keeps `?mode=` tricks out.
    let options = SqliteConnectOptions::from_str("sqlite://")?
        .filename(path)
        .read_only(true)
        .create_if_missing(false)
        .pragma("query_only", "ON")
        .pragma("temp_store", "MEMORY")
        .pragma("trusted_schema", "OFF")
        .disable_statement_logging();
    SqlitePoolOptions::new()
        .max_connections(super::MAX_CONNECTIONS_PER_SOURCE)
        .min_connections(0)
        .idle_timeout(std::time::Duration::from_secs(300))
        .connect_with(options)
        .await
}
