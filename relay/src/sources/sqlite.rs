//! Opening a SQLite source so that it cannot be written through the relay.

use std::path::Path;
use std::str::FromStr;

use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::ConnectOptions;

/// Most memory SQLite may hold in this process, over all sources and the metadata store.
pub const SQLITE_HEAP_LIMIT_BYTES: u64 = 512 << 20;

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
        // SQLite lets one value grow to SQLITE_MAX_LENGTH (1e9 bytes), and functions such as
        // printf('%.*c', N, 'x'), randomblob(N) and zeroblob(N) allocate it inside a single
        // step the progress handler cannot interrupt. The per-connection length limit
        // (sqlite3_limit, SQLITE_LIMIT_LENGTH) is not reachable from sqlx without unsafe FFI,
        // so cap SQLite's heap instead: past it an allocation fails and the statement ends with
        // SQLITE_NOMEM instead of the host running out of memory. The limit is process-wide
        // and this pragma can only lower it (https://www.sqlite.org/pragma.html#pragma_hard_heap_limit,
        // https://www.sqlite.org/c3ref/hard_heap_limit64.html).
        .pragma("hard_heap_limit", SQLITE_HEAP_LIMIT_BYTES.to_string())
        .disable_statement_logging();
    SqlitePoolOptions::new()
        .max_connections(super::MAX_CONNECTIONS_PER_SOURCE)
        .min_connections(0)
        .idle_timeout(std::time::Duration::from_secs(300))
        .connect_with(options)
        .await
}
