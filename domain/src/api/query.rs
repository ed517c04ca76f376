//! Run: SQL in, a stream of result frames out. Frames travel as newline-delimited JSON
//! (`application/x-ndjson`), one [`ResultFrame`] per line, so the browser can show rows as
//! they arrive. Result values are never logged: [`Cell`] and [`ResultFrame`] print no values
//! in `Debug`.

use serde::{Deserialize, Serialize};

use crate::api::sources::SourceId;
use crate::semantic::ColumnKind;
use crate::ApiError;

/// Media type of a streamed result.
pub const RESULT_STREAM_CONTENT_TYPE: &str = "application/x-ndjson";

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
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum Cell {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl Cell {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(i) => Some(*i as f64),
            Cell::Float(f) => Some(*f),
            Cell::Bool(b) => Some(f64::from(u8::from(*b))),
            Cell::Null | Cell::Text(_) => None,
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
}

/// One line of a result stream. A stream is `Columns`, then zero or more `Rows`, then exactly
/// one of `End` or `Error`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "frame", rename_all = "snake_case")]
pub enum ResultFrame {
    Columns { columns: Vec<ResultColumn> },
    Rows { rows: Vec<Vec<Cell>> },
    End { row_count: u64, elapsed_ms: u64, truncated: Option<Truncation>, row_cap: u64, timeout_ms: u64 },
    Error { error: ApiError },
}

impl std::fmt::Debug for ResultFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResultFrame::Columns { columns } => f.debug_struct("Columns").field("columns", columns).finish(),
            ResultFrame::Rows { rows } => write!(f, "Rows({} rows, ‹redacted›)", rows.len()),
            ResultFrame::End { row_count, elapsed_ms, truncated, row_cap, timeout_ms } => f
                .debug_struct("End")
                .field("row_count", row_count)
                .field("elapsed_ms", elapsed_ms)
                .field("truncated", truncated)
                .field("row_cap", row_cap)
                .field("timeout_ms", timeout_ms)
                .finish(),
            ResultFrame::Error { error } => f.debug_struct("Error").field("error", error).finish(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_values() {
        let frame = ResultFrame::Rows { rows: vec![vec![Cell::Text("secret-marker".into()), Cell::Int(987654)]] };
        let printed = format!("{frame:?} {:?}", Cell::Text("secret-marker".into()));
        assert!(!printed.contains("secret-marker"));
        assert!(!printed.contains("987654"));
    }

    #[test]
    fn cells_round_trip_through_json() {
        let row = vec![Cell::Null, Cell::Bool(true), Cell::Int(-3), Cell::Float(2.5), Cell::Text("x".into())];
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(json, r#"[null,true,-3,2.5,"x"]"#);
        assert_eq!(serde_json::from_str::<Vec<Cell>>(&json).unwrap(), row);
    }
}
