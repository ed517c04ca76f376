//! Rows to frames, for every engine: rows are decoded straight into a columnar batch, the
//! first batch small so the first rows show at once and later ones larger to amortise framing;
//! the row and byte caps; and the end and error frames.

use std::time::Instant;

use vizkraft_domain::api::query::{ResultColumn, ResultEnd, ResultFrame, Truncation};
use vizkraft_domain::result::{Batch, BatchBuilder, Values};
use vizkraft_domain::semantic::ColumnKind;
use vizkraft_domain::{ApiError, ErrorCode};

use super::{ClientGone, Failure, FrameSender};
use crate::config::QueryLimits;

const FIRST_BATCH_ROWS: usize = 64;
const MAX_BATCH_ROWS: usize = 16_384;
/// A batch is sent at this size even with fewer rows, so wide text rows do not pile up.
const MAX_BATCH_BYTES: usize = 1 << 20;

/// Sends every row of `rows`, decoded into batches by `decode`, until the rows end or a cap
/// stops them; returns how many were sent and which cap, if any, stopped them. The relay
/// holds one batch at a time.
pub async fn send_rows<R>(
    mut rows: impl futures::Stream<Item = Result<R, sqlx::Error>> + Unpin,
    decode: impl Fn(&R, &mut BatchBuilder) -> Result<(), sqlx::Error>,
    mut columns: Vec<ResultColumn>,
    limits: QueryLimits,
    frames: &FrameSender,
) -> Result<(u64, Option<Truncation>), Failure> {
    use futures::TryStreamExt;
    let mut builder = BatchBuilder::new(columns.len());
    let mut batch_limit = FIRST_BATCH_ROWS;
    let mut columns_sent = false;
    let mut row_count: u64 = 0;
    let mut bytes: u64 = 0;
    let mut truncated = None;
    // A cap counts as reached only when another row is there to be refused.
    while let Some(row) = rows.try_next().await? {
        if row_count == limits.row_cap {
            truncated = Some(Truncation::RowCap);
            break;
        }
        if bytes + builder.bytes() as u64 >= limits.byte_cap {
            truncated = Some(Truncation::ByteCap);
            break;
        }
        decode(&row, &mut builder)?;
        builder.end_row();
        row_count += 1;
        if builder.row_count() >= batch_limit || builder.bytes() >= MAX_BATCH_BYTES {
            bytes += builder.bytes() as u64;
            send_batch(frames, &mut columns, &mut columns_sent, builder.take()).await?;
            batch_limit = (batch_limit * 4).min(MAX_BATCH_ROWS);
        }
    }
    drop(rows);
    send_batch(frames, &mut columns, &mut columns_sent, builder.take()).await?;
    Ok((row_count, truncated))
}

/// Sends the columns before the first batch (their kinds completed from it), then the batch
/// unless it is empty.
async fn send_batch(
    frames: &FrameSender,
    columns: &mut Vec<ResultColumn>,
    columns_sent: &mut bool,
    batch: Batch,
) -> Result<(), ClientGone> {
    if !*columns_sent {
        infer_kinds(columns, &batch);
        frames.send(&ResultFrame::Columns { columns: std::mem::take(columns) }).await?;
        *columns_sent = true;
    }
    if batch.row_count > 0 {
        frames.send(&ResultFrame::Batch { batch }).await?;
    }
    Ok(())
}

/// Computed columns may have no declared type; take the type their values came in.
fn infer_kinds(columns: &mut [ResultColumn], sample: &Batch) {
    for (column, values) in columns.iter_mut().zip(&sample.columns) {
        if column.kind != ColumnKind::Other || values.is_empty() || (0..values.len()).all(|i| values.is_null(i)) {
            continue;
        }
        column.kind = match values.values {
            Values::Int(_) => ColumnKind::Integer,
            Values::Float(_) => ColumnKind::Decimal,
            Values::Text(_) => ColumnKind::Text,
            Values::Bool(_) => ColumnKind::Boolean,
            Values::Timestamp(_) => ColumnKind::Timestamp,
            Values::Date(_) => ColumnKind::Date,
        };
    }
}

pub fn end_frame(row_count: u64, truncated: Option<Truncation>, started: Instant, limits: QueryLimits) -> ResultFrame {
    ResultFrame::End(ResultEnd {
        row_count,
        elapsed_ms: started.elapsed().as_millis() as u64,
        truncated,
        row_cap: limits.row_cap,
        timeout_ms: limits.statement_timeout_ms,
    })
}

pub fn error_frame(code: ErrorCode, message: &str) -> ResultFrame {
    ResultFrame::Error { error: ApiError::new(code, message) }
}

pub fn timeout_frame(limits: QueryLimits) -> ResultFrame {
    error_frame(
        ErrorCode::QueryTimeout,
        &format!(
            "The query ran longer than the statement timeout of {} ms and was stopped.",
            limits.statement_timeout_ms
        ),
    )
}

/// The database's own words, for the user who ran the query only: it may quote values, so it
/// never goes to the log.
pub fn database_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(db) => format!("The database refused the query: {}", db.message()),
        _ => "The query failed while reading its results.".to_owned(),
    }
}

/// What kind of failure, for the log (never the message, which may quote values).
pub fn error_kind(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Database(_) => "database",
        sqlx::Error::Decode(_) | sqlx::Error::ColumnDecode { .. } => "decode",
        sqlx::Error::Io(_) => "io",
        _ => "other",
    }
}
