//! Streaming a query from a SQLite source. A progress handler stops the statement when the
//! timeout passes or the client disconnects, so neither leaves SQLite working for nobody.

use std::time::Instant;

use futures::TryStreamExt;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteRow, SqliteValueRef};
use sqlx::{Column, Decode, Executor, Row, Sqlite, Statement, TypeInfo, ValueRef};
use vizkraft_domain::api::query::{Cell, ResultColumn, ResultFrame, Truncation};
use vizkraft_domain::semantic::ColumnKind;
use vizkraft_domain::{ApiError, ErrorCode};

use super::{ClientGone, FrameSender};
use crate::config::QueryLimits;

/// SQLite virtual-machine steps between progress checks: often enough to stop within
/// milliseconds, rare enough to cost nothing measurable.
const PROGRESS_STEPS: i32 = 10_000;
/// The first batch is small so the first rows show at once; later ones grow to amortise
/// framing.
const FIRST_BATCH_ROWS: usize = 64;
const MAX_BATCH_ROWS: usize = 4_096;

pub async fn stream(mut conn: PoolConnection<Sqlite>, sql: String, limits: QueryLimits, frames: FrameSender) {
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

    let outcome = read_rows(&mut conn, &sql, limits, &frames).await;
    if let Ok(mut handle) = conn.lock_handle().await {
        handle.remove_progress_handler();
    }
    let elapsed_ms = started.elapsed().as_millis() as u64;
    let last = match outcome {
        Ok((row_count, truncated)) => ResultFrame::End {
            row_count,
            elapsed_ms,
            truncated,
            row_cap: limits.row_cap,
            timeout_ms: limits.statement_timeout_ms,
        },
        Err(Failure::ClientGone) => {
            tracing::debug!(elapsed_ms, "client went away; query stopped");
            return;
        }
        Err(Failure::Database(e)) if Instant::now() >= deadline && is_interrupt(&e) => {
            tracing::info!(elapsed_ms, "query stopped by the statement timeout");
            error_frame(
                ErrorCode::QueryTimeout,
                &format!(
                    "The query ran longer than the statement timeout of {} ms and was stopped.",
                    limits.statement_timeout_ms
                ),
            )
        }
        Err(Failure::Database(e)) => {
            // The database's message may quote values: it goes to the user who ran the query,
            // never to the log.
            tracing::debug!(elapsed_ms, kind = error_kind(&e), "query failed");
            error_frame(ErrorCode::QueryFailed, &database_message(&e))
        }
    };
    let _ = frames.send(&last).await;
}

enum Failure {
    ClientGone,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Database(e)
    }
}

impl From<ClientGone> for Failure {
    fn from(_: ClientGone) -> Self {
        Failure::ClientGone
    }
}

async fn read_rows(
    conn: &mut PoolConnection<Sqlite>,
    sql: &str,
    limits: QueryLimits,
    frames: &FrameSender,
) -> Result<(u64, Option<Truncation>), Failure> {
    let statement = conn.prepare(sql).await?;
    let mut columns: Vec<ResultColumn> = statement
        .columns()
        .iter()
        .map(|c| ResultColumn { name: c.name().to_owned(), kind: ColumnKind::from_declared_type(c.type_info().name()) })
        .collect();
    let mut rows = statement.query().fetch(&mut **conn);

    let mut batch: Vec<Vec<Cell>> = Vec::with_capacity(FIRST_BATCH_ROWS);
    let mut batch_limit = FIRST_BATCH_ROWS;
    let mut columns_sent = false;
    let mut row_count: u64 = 0;
    let mut truncated = None;
    while let Some(row) = rows.try_next().await? {
        if row_count == limits.row_cap {
            truncated = Some(Truncation::RowCap);
            break;
        }
        batch.push(cells(&row)?);
        row_count += 1;
        if batch.len() >= batch_limit {
            if !columns_sent {
                infer_kinds(&mut columns, &batch);
                frames.send(&ResultFrame::Columns { columns: columns.clone() }).await?;
                columns_sent = true;
            }
            frames.send(&ResultFrame::Rows { rows: std::mem::take(&mut batch) }).await?;
            batch_limit = (batch_limit * 4).min(MAX_BATCH_ROWS);
            batch.reserve(batch_limit);
        }
    }
    drop(rows);
    if !columns_sent {
        infer_kinds(&mut columns, &batch);
        frames.send(&ResultFrame::Columns { columns }).await?;
    }
    if !batch.is_empty() {
        frames.send(&ResultFrame::Rows { rows: batch }).await?;
    }
    Ok((row_count, truncated))
}

/// Computed columns have no declared type in SQLite; take the kind of their first values.
fn infer_kinds(columns: &mut [ResultColumn], sample: &[Vec<Cell>]) {
    for (i, column) in columns.iter_mut().enumerate() {
        if column.kind != ColumnKind::Other {
            continue;
        }
        let first = sample.iter().filter_map(|row| row.get(i)).find(|c| !matches!(c, Cell::Null));
        column.kind = match first {
            Some(Cell::Int(_)) => ColumnKind::Integer,
            Some(Cell::Float(_)) => ColumnKind::Decimal,
            Some(Cell::Text(_)) => ColumnKind::Text,
            Some(Cell::Bool(_)) => ColumnKind::Boolean,
            Some(Cell::Null) | None => ColumnKind::Other,
        };
    }
}

fn cells(row: &SqliteRow) -> Result<Vec<Cell>, sqlx::Error> {
    (0..row.len()).map(|i| cell(row.try_get_raw(i)?)).collect()
}

/// Decodes by the value's storage class (https://www.sqlite.org/datatype3.html §2), not the
/// declared type, since SQLite lets a column hold any class.
fn cell(value: SqliteValueRef<'_>) -> Result<Cell, sqlx::Error> {
    if value.is_null() {
        return Ok(Cell::Null);
    }
    let class = value.type_info().name().to_owned();
    let decoded = match class.as_str() {
        "INTEGER" => <i64 as Decode<Sqlite>>::decode(value).map(Cell::Int),
        "REAL" => <f64 as Decode<Sqlite>>::decode(value).map(Cell::Float),
        "BLOB" => {
            <Vec<u8> as Decode<Sqlite>>::decode(value).map(|b| Cell::Text(format!("(binary, {} bytes)", b.len())))
        }
        _ => <String as Decode<Sqlite>>::decode(value).map(Cell::Text),
    };
    decoded.map_err(sqlx::Error::Decode)
}

fn is_interrupt(e: &sqlx::Error) -> bool {
    // SQLITE_INTERRUPT is primary result code 9 (https://www.sqlite.org/rescode.html#interrupt).
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("9"))
}

fn error_kind(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Database(_) => "database",
        sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. } => "decode",
        sqlx::Error::Io(_) => "io",
        _ => "other",
    }
}

fn database_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => format!("The database refused the query: {}", db.message()),
        _ => "The query failed while reading its results.".to_owned(),
    }
}

fn error_frame(code: ErrorCode, message: &str) -> ResultFrame {
    ResultFrame::Error { error: ApiError::new(code, message) }
}
