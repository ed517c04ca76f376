//! Which chart shows a result best, decided from the result's column kinds and a sample of rows.

use serde::{Deserialize, Serialize};

use crate::api::query::{Cell, ResultColumn};
use crate::semantic::ColumnKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Line,
    Bar,
    Pie,
    Scatter,
    BigNumber,
    Table,
}

impl ChartKind {
    pub const ALL: [ChartKind; 6] =
        [ChartKind::Line, ChartKind::Bar, ChartKind::Pie, ChartKind::Scatter, ChartKind::BigNumber, ChartKind::Table];

    pub fn label(self) -> &'static str {
        match self {
            ChartKind::Line => "Line",
            ChartKind::Bar => "Bar",
            ChartKind::Pie => "Pie",
            ChartKind::Scatter => "Scatter",
            ChartKind::BigNumber => "Number",
            ChartKind::Table => "Table",
        }
    }
}

/// A chart kind plus which result columns feed it: `x` is the dimension (category or time),
/// `y` the measures. Indexes refer to the result's columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChartSpec {
    pub kind: ChartKind,
    pub x: Option<usize>,
    pub y: Vec<usize>,
}

impl ChartSpec {
    pub fn table() -> Self {
        ChartSpec { kind: ChartKind::Table, x: None, y: Vec::new() }
    }
}

/// Most slices a pie may have before a bar chart reads better.
const MAX_PIE_SLICES: usize = 6;

/// Picks the chart for a result: a big number for one value, a line for a measure over time,
/// a pie for a few non-negative shares, a bar for other categories, a scatter for two measures,
/// and a table for everything else. `sample` is the first rows received; `total_rows` counts all.
pub fn choose(columns: &[ResultColumn], sample: &[Vec<Cell>], total_rows: usize) -> ChartSpec {
    let numeric: Vec<usize> = (0..columns.len()).filter(|&i| effective_kind(columns, sample, i).is_numeric()).collect();
    let temporal: Vec<usize> =
        (0..columns.len()).filter(|&i| effective_kind(columns, sample, i).is_temporal()).collect();
    let textual: Vec<usize> =
        (0..columns.len()).filter(|&i| effective_kind(columns, sample, i) == ColumnKind::Text).collect();

    if total_rows == 1 && columns.len() == 1 && numeric.len() == 1 {
        return ChartSpec { kind: ChartKind::BigNumber, x: None, y: numeric };
    }
    if total_rows == 0 || numeric.is_empty() {
        return ChartSpec::table();
    }
    if let Some(&time) = temporal.first() {
        let measures: Vec<usize> = numeric.into_iter().filter(|&i| i != time).collect();
        if !measures.is_empty() && columns.len() == measures.len() + 1 {
            return ChartSpec { kind: ChartKind::Line, x: Some(time), y: measures };
        }
        return ChartSpec::table();
    }
    if textual.len() == 1 && columns.len() == numeric.len() + 1 {
        let category = textual[0];
        let shares = numeric.len() == 1
            && (2..=MAX_PIE_SLICES).contains(&total_rows)
            && sample.iter().all(|row| row.get(numeric[0]).and_then(Cell::as_f64).is_some_and(|v| v >= 0.0));
        let kind = if shares { ChartKind::Pie } else { ChartKind::Bar };
        return ChartSpec { kind, x: Some(category), y: numeric };
    }
    if textual.is_empty() && numeric.len() == 2 && columns.len() == 2 {
        return ChartSpec { kind: ChartKind::Scatter, x: Some(numeric[0]), y: vec![numeric[1]] };
    }
    ChartSpec::table()
}

/// The column's kind, promoting text that holds only date-like values (`2024`, `2024-03`,
/// `2024-03-01`, `2024-Q1`, `2024-W07`) to a date, since grouped SQL often returns time
/// buckets as strings.
fn effective_kind(columns: &[ResultColumn], sample: &[Vec<Cell>], index: usize) -> ColumnKind {
    let declared = columns[index].kind;
    if declared != ColumnKind::Text && declared != ColumnKind::Other {
        return declared;
    }
    let mut seen = false;
    for row in sample {
        match row.get(index) {
            Some(Cell::Text(s)) if looks_like_time_bucket(s) => seen = true,
            Some(Cell::Timestamp(_) | Cell::Date(_)) => seen = true,
            Some(Cell::Null) | None => {}
            _ => return declared,
        }
    }
    if seen {
        ColumnKind::Date
    } else {
        declared
    }
}

fn looks_like_time_bucket(value: &str) -> bool {
    let b = value.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    if b.len() < 4 || !digits(0..4) {
        return false;
    }
    match b.len() {
        4 => true,
        7 => b[4] == b'-' && (digits(5..7) || (b[5] == b'Q' || b[5] == b'W') && digits(6..7)),
        8 => b[4] == b'-' && b[5] == b'W' && digits(6..8),
        10 => b[4] == b'-' && b[7] == b'-' && digits(5..7) && digits(8..10),
        n if n > 10 => b[4] == b'-' && b[7] == b'-' && digits(5..7) && digits(8..10) && matches!(b[10], b' ' | b'T'),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, kind: ColumnKind) -> ResultColumn {
        ResultColumn { name: name.into(), kind }
    }

    #[test]
    fn one_number_is_a_big_number() {
        let spec = choose(&[col("count", ColumnKind::Integer)], &[vec![Cell::Int(42)]], 1);
        assert_eq!(spec.kind, ChartKind::BigNumber);
    }

    #[test]
    fn a_measure_over_text_months_is_a_line() {
        let cols = [col("month", ColumnKind::Text), col("revenue", ColumnKind::Decimal)];
        let rows = vec![
            vec![Cell::Text("2024-01".into()), Cell::Float(1.0)],
            vec![Cell::Text("2024-02".into()), Cell::Float(2.0)],
        ];
        assert_eq!(choose(&cols, &rows, 2), ChartSpec { kind: ChartKind::Line, x: Some(0), y: vec![1] });
    }

    #[test]
    fn many_categories_are_a_bar_and_few_shares_a_pie() {
        let cols = [col("country", ColumnKind::Text), col("orders", ColumnKind::Integer)];
        let rows: Vec<Vec<Cell>> = (0..12).map(|i| vec![Cell::Text(format!("c{i}")), Cell::Int(i)]).collect();
        assert_eq!(choose(&cols, &rows, 12).kind, ChartKind::Bar);
        assert_eq!(choose(&cols, &rows[..4], 4).kind, ChartKind::Pie);
    }

    #[test]
    fn negative_values_are_never_a_pie() {
        let cols = [col("segment", ColumnKind::Text), col("margin", ColumnKind::Decimal)];
        let rows =
            vec![vec![Cell::Text("a".into()), Cell::Float(-1.0)], vec![Cell::Text("b".into()), Cell::Float(2.0)]];
        assert_eq!(choose(&cols, &rows, 2).kind, ChartKind::Bar);
    }

    #[test]
    fn two_measures_are_a_scatter() {
        let cols = [col("price", ColumnKind::Decimal), col("quantity", ColumnKind::Integer)];
        let rows = vec![vec![Cell::Float(1.0), Cell::Int(3)]; 30];
        assert_eq!(choose(&cols, &rows, 30).kind, ChartKind::Scatter);
    }

    #[test]
    fn text_only_results_are_a_table() {
        let cols = [col("name", ColumnKind::Text), col("city", ColumnKind::Text)];
        let rows = vec![vec![Cell::Text("a".into()), Cell::Text("b".into())]];
        assert_eq!(choose(&cols, &rows, 1).kind, ChartKind::Table);
    }

    #[test]
    fn time_bucket_shapes_are_recognised() {
        for ok in ["2024", "2024-03", "2024-Q1", "2024-W07", "2024-03-01", "2024-03-01 10:00:00"] {
            assert!(looks_like_time_bucket(ok), "{ok}");
        }
        for no in ["abcd", "2024-3", "Q1", "20240301", "12345"] {
            assert!(!looks_like_time_bucket(no), "{no}");
        }
    }
}
