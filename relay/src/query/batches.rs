//! Rows to frames, for every engine: the first batch small so the first rows show at once,
//! later ones larger to amortise framing; the row and byte caps; and the end and error frames.

use std::time::Instant;

use vizkraft_domain::api::query::{Cell, ResultColumn, ResultFrame, Truncation};
use vizkraft_domain::semantic::ColumnKind;
use vizkraft_domain::{ApiError, ErrorCode};

use super::{ClientGone, Failure, FrameSender};
use crate::config::QueryLimits;

const FIRST_BATCH_ROWS: usize = 64;
const MAX_BATCH_ROWS: usize = 4_096;

/// Collects rows into frames and sends them; holds at most one batch.
pub struct RowSink<'a> {
    frames: &'a FrameSender,
    limits: QueryLimits,
    columns: Option<Vec<ResultColumn>>,
    batch: Vec<Vec<Cell>>,
    batch_limit: usize,
    row_count: u64,
    bytes: u64,
}

impl<'a> RowSink<'a> {
    pub fn new(frames: &'a FrameSender, limits: QueryLimits, columns: Vec<ResultColumn>) -> RowSink<'a> {
        RowSink {
            frames,
            limits,
            columns: Some(columns),
            batch: Vec::with_capacity(FIRST_BATCH_ROWS),
            batch_limit: FIRST_BATCH_ROWS,
            row_count: 0,
            bytes: 0,
        }
    }

    /// Takes one row, or says which cap it would break (the row is then not kept).
    pub async fn push(&mut self, row: Vec<Cell>) -> Result<Option<Truncation>, ClientGone> {
        if self.row_count == self.limits.row_cap {
            return Ok(Some(Truncation::RowCap));
        }
        let size: u64 = row.iter().map(encoded_size).sum();
        if self.bytes + size > self.limits.byte_cap {
            return Ok(Some(Truncation::ByteCap));
        }
        self.bytes += size;
        self.row_count += 1;
        self.batch.push(row);
        if self.batch.len() >= self.batch_limit {
            self.flush().await?;
            self.batch_limit = (self.batch_limit * 4).min(MAX_BATCH_ROWS);
            self.batch.reserve(self.batch_limit);
        }
        Ok(None)
    }

    async fn flush(&mut self) -> Result<(), ClientGone> {
        if let Some(mut columns) = self.columns.take() {
            infer_kinds(&mut columns, &self.batch);
            self.frames.send(&ResultFrame::Columns { columns }).await?;
        }
        if !self.batch.is_empty() {
            self.frames.send(&ResultFrame::Rows { rows: std::mem::take(&mut self.batch) }).await?;
        }
        Ok(())
    }

    /// Sends what is left (the columns at least); returns the number of rows sent.
    pub async fn finish(mut self) -> Result<u64, ClientGone> {
        self.flush().await?;
        Ok(self.row_count)
    }
}

/// Sends every row of `rows`, as `cells` decodes it, until the rows end or a cap stops them;
/// returns how many were sent and which cap, if any, stopped them.
pub async fn send_rows<R>(
    mut rows: impl futures::Stream<Item = Result<R, sqlx::Error>> + Unpin,
    cells: impl Fn(&R) -> Result<Vec<Cell>, sqlx::Error>,
    columns: Vec<ResultColumn>,
    limits: QueryLimits,
    frames: &FrameSender,
) -> Result<(u64, Option<Truncation>), Failure> {
    use futures::TryStreamExt;
    let mut sink = RowSink::new(frames, limits, columns);
    let mut truncated = None;
    while let Some(row) = rows.try_next().await? {
        truncated = sink.push(cells(&row)?).await?;
        if truncated.is_some() {
            break;
        }
    }
    drop(rows);
    Ok((sink.finish().await?, truncated))
}

/// About what a cell costs once encoded, without encoding it twice.
fn encoded_size(cell: &Cell) -> u64 {
    match cell {
        Cell::Text(text) => text.len() as u64 + 3,
        Cell::Null | Cell::Bool(_) => 5,
        Cell::Int(_) | Cell::Float(_) => 12,
    }
}

/// Computed columns may have no declared type; take the kind of their first values.
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

pub fn end_frame(row_count: u64, truncated: Option<Truncation>, started: Instant, limits: QueryLimits) -> ResultFrame {
    ResultFrame::End {
        row_count,
        elapsed_ms: started.elapsed().as_millis() as u64,
        truncated,
        row_cap: limits.row_cap,
        timeout_ms: limits.statement_timeout_ms,
    }
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
