//! Run: SQL in, a stream of result frames out, in the binary columnar format of
//! [`crate::result::wire`], so the browser can show rows as they arrive. Result values are
//! never logged: [`Cell`] and [`ResultFrame`] print no values in `Debug`.

use serde::{Deserialize, Serialize};

use crate::api::sources::SourceId;
use crate::result::Batch;
use crate::semantic::ColumnKind;
use crate::ApiError;

/// Media type of a streamed result.
pub const RESULT_STREAM_CONTENT_TYPE: &str = "application/vnd.vizkraft.result.v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueryRequest {
    pub source_id: SourceId,
    pub sql: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultColumn {
    pub name: String,
    pub kind: ColumnKind,
}

/// One value of a result row.
#[derive(Clone, PartialEq)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Microseconds since 1970-01-01 00:00:00 (UTC for `timestamptz`).
    Timestamp(i64),
    /// Days since 1970-01-01.
    Date(i32),
    Text(String),
}

impl Cell {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(f) => Some(*f),
            Cell::Bool(b) => Some(f64::from(u8::from(*b))),
            Cell::Null | Cell::Text(_) | Cell::Timestamp(_) | Cell::Date(_) => None,
        }
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Null => Ok(()),
            Cell::Bool(b) => write!(f, "{b}"),
            Cell::Int(i) => write!(f, "{i}"),
            Cell::Float(x) => write!(f, "{x}"),
            Cell::Timestamp(us) => f.write_str(&crate::result::format_timestamp(*us)),
            Cell::Date(days) => f.write_str(&crate::result::format_date(*days)),
            Cell::Text(s) => f.write_str(s),
        }
    }
}

/// Redacted: a value must never reach a log line through `{:?}`.
impl std::fmt::Debug for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            Cell::Null => "Null",
            Cell::Bool(_) => "Bool",
            Cell::Int(_) => "Int",
            Cell::Float(_) => "Float",
            Cell::Timestamp(_) => "Timestamp",
            Cell::Date(_) => "Date",
            Cell::Text(_) => "Text",
        };
        write!(f, "{kind}(‹redacted›)")
    }
}

/// Why a result stopped before the database ran out of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Truncation {
    /// The configured row cap was reached.
    RowCap,
    /// The configured byte cap was reached.
    ByteCap,
    /// The browser app's memory budget for one result was reached (the app stops reading;
    /// the relay never sends this).
    BrowserMemory,
}

/// How a result ended: the relay's own count and timing, and which cap cut it short, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultEnd {
    pub row_count: u64,
    pub elapsed_ms: u64,
    pub truncated: Option<Truncation>,
    pub row_cap: u64,
    pub timeout_ms: u64,
}

/// One frame of a result stream. A stream is `Columns`, then zero or more `Batch`es, then
/// exactly one of `End` or `Error`.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultFrame {
    Columns { columns: Vec<ResultColumn> },
    Batch { batch: Batch },
    End(ResultEnd),
    Error { error: ApiError },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_values() {
        let printed = format!("{:?} {:?}", Cell::Text("secret-marker".into()), Cell::Int(987_654));
        assert!(!printed.contains("secret-marker"));
        assert!(!printed.contains("987654"));
    }

    #[test]
    fn dates_and_times_display_as_calendar_values() {
        assert_eq!(Cell::Date(0).to_string(), "1970-01-01");
        assert_eq!(Cell::Timestamp(1_700_000_000_000_000).to_string(), "2023-11-14 22:13:20");
        assert_eq!(Cell::Timestamp(-1).to_string(), "1969-12-31 23:59:59.999999");
    }
}
