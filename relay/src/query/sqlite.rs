//! Streaming a query from a SQLite source. A progress handler stops the statement when the
//! timeout passes or the client disconnects, so neither leaves SQLite working for nobody.

use std::time::Instant;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteRow, SqliteValueRef};
use sqlx::{Column, Decode, Executor, Row, Sqlite, Statement, TypeInfo, ValueRef};
use vizkraft_domain::api::query::{Cell, ResultColumn, Truncation};
use vizkraft_domain::result::BatchBuilder;
use vizkraft_domain::semantic::ColumnKind;
use vizkraft_domain::ErrorCode;

use super::batches::{database_message, end_frame, error_frame, error_kind, send_rows, timeout_frame};
use super::{bind_all, Failure, FrameSender, Param};
use crate::config::QueryLimits;

/// SQLite virtual-machine steps between progress checks: often enough to stop within
/// milliseconds, rare enough to cost nothing measurable.
const PROGRESS_STEPS: i32 = 10_000;

pub async fn stream(
    mut conn: PoolConnection<Sqlite>,
    sql: String,
    params: Vec<Param>,
    limits: QueryLimits,
    frames: FrameSender,
) {
    let started = Instant::now();
    let deadline = started + limits.statement_timeout();
    let watcher = frames.clone();
    match conn.lock_handle().await {
        Ok(mut handle) => {
            handle.set_progress_handler(PROGRESS_STEPS, move || Instant::now() < deadline && !watcher.is_closed())
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot install the query watchdog");
            let _ = frames.send(&error_frame(ErrorCode::SourceUnreachable, "The data source is not available.")).await;
            return;
        }
    }

    let outcome = read_rows(&mut conn, &sql, &params, limits, &frames).await;
    if let Ok(mut handle) = conn.lock_handle().await {
        handle.remove_progress_handler();
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let last = match outcome {
        Ok((row_count, truncated)) => end_frame(row_count, truncated, started, limits),
        Err(Failure::ClientGone) => {
            tracing::debug!(elapsed_ms, "client went away; query stopped");
            return;
        }
        // The progress handler enforces the timeout inside SQLite; there is no watchdog here.
        Err(Failure::TimedOut) => timeout_frame(limits),
        Err(Failure::Database(e)) if Instant::now() >= deadline && is_interrupt(&e) => {
            tracing::info!(elapsed_ms, "query stopped by the statement timeout");
            timeout_frame(limits)
        }
        Err(Failure::Database(e)) => {
            tracing::debug!(elapsed_ms, kind = error_kind(&e), "query failed");
            error_frame(ErrorCode::QueryFailed, &database_message(&e))
        }
    };
    let _ = frames.send(&last).await;
}

async fn read_rows(
    conn: &mut PoolConnection<Sqlite>,
    sql: &str,
    params: &[Param],
    limits: QueryLimits,
    frames: &FrameSender,
) -> Result<(u64, Option<Truncation>), Failure> {
    let statement = conn.prepare(sql).await?;
    let columns: Vec<ResultColumn> = statement
        .columns()
        .iter()
        .map(|c| ResultColumn { name: c.name().to_owned(), kind: ColumnKind::from_declared_type(c.type_info().name()) })
        .collect();
    let rows = bind_all(statement.query(), params).fetch(&mut **conn);
    send_rows(rows, decode, columns, limits, frames).await
}

fn decode(row: &SqliteRow, builder: &mut BatchBuilder) -> Result<(), sqlx::Error> {
    for i in 0..row.len() {
        push_value(row.try_get_raw(i)?, i, builder)?;
    }
    Ok(())
}

/// Decodes by the value's storage class (https://www.sqlite.org/datatype3.html §2), not the
/// declared type, since SQLite lets a column hold any class.
fn push_value(value: SqliteValueRef<'_>, column: usize, builder: &mut BatchBuilder) -> Result<(), sqlx::Error> {
    if value.is_null() {
        builder.push(column, Cell::Null);
        return Ok(());
    }
    let cell = match value.type_info().name() {
        "INTEGER" => <i64 as Decode<Sqlite>>::decode(value).map(Cell::Int),
        "REAL" => <f64 as Decode<Sqlite>>::decode(value).map(Cell::Float),
        "BLOB" => <&[u8] as Decode<Sqlite>>::decode(value).map(|b| Cell::Text(format!("(binary, {} bytes)", b.len()))),
        _ => {
            let text = <&str as Decode<Sqlite>>::decode(value).map_err(sqlx::Error::Decode)?;
            builder.push_str(column, text);
            return Ok(());
        }
    };
    builder.push(column, cell.map_err(sqlx::Error::Decode)?);
    Ok(())
}

fn is_interrupt(e: &sqlx::Error) -> bool {
    // SQLITE_INTERRUPT is primary result code 9 (https://www.sqlite.org/rescode.html#interrupt).
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("9"))
}
