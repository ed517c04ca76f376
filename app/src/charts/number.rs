//! The big number: one value, formatted for reading at a glance.

use vizkraft_domain::api::query::{Cell, ResultColumn};
use vizkraft_domain::chart::ChartSpec;

use super::column_name;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BigNumber {
    /// The formatted value, e.g. `1,234,567.89`.
    pub value: String,
    /// The column it came from, shown as a caption.
    pub label: String,
}

/// The first row's value of the spec's first measure; `None` when there is no such cell.
pub fn big_number(spec: &ChartSpec, columns: &[ResultColumn], rows: &[Vec<Cell>]) -> Option<BigNumber> {
    let y = *spec.y.first()?;
    let cell = rows.first()?.get(y)?;
    let value = match cell {
        Cell::Int(i) => group_thousands(&i.to_string()),
        Cell::Float(f) => format_number(*f),
        Cell::Null => "—".to_owned(),
        Cell::Bool(_) | Cell::Text(_) | Cell::Timestamp(_) | Cell::Date(_) => cell.to_string(),
    };
    Some(BigNumber { value, label: column_name(columns, y) })
}

/// Thousands separators and at most two decimals; small fractions keep four so that `0.0042`
/// does not read as `0`.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    let decimals = if value.abs() >= 1.0 || value == 0.0 { 2 } else { 4 };
    let fixed = format!("{value:.decimals$}");
    let trimmed = if fixed.contains('.') { fixed.trim_end_matches('0').trim_end_matches('.') } else { &fixed };
    match trimmed {
        "-0" => "0".to_owned(),
        _ => group_thousands(trimmed),
    }
}

/// Inserts `,` every three digits of the integer part of a plain decimal string.
fn group_thousands(plain: &str) -> String {
    let (sign, unsigned) = plain.strip_prefix('-').map_or(("", plain), |rest| ("-", rest));
    let (int, frac) = unsigned.split_once('.').map_or((unsigned, None), |(i, f)| (i, Some(f)));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, digit) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match frac {
        Some(frac) => format!("{sign}{grouped}.{frac}"),
        None => format!("{sign}{grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::col;
    use vizkraft_domain::chart::ChartKind;
    use vizkraft_domain::semantic::ColumnKind;

    #[test]
    fn numbers_get_separators_and_at_most_two_decimals() {
        assert_eq!(format_number(1_234_567.891), "1,234,567.89");
        assert_eq!(format_number(-1234.0), "-1,234");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(0.00421), "0.0042");
        assert_eq!(format_number(-0.0000001), "0");
        assert_eq!(format_number(999.999), "1,000");
    }

    #[test]
    fn the_big_number_is_the_first_rows_measure_with_its_column_as_label() {
        let columns = [col("total revenue", ColumnKind::Integer)];
        let spec = ChartSpec { kind: ChartKind::BigNumber, x: None, y: vec![0] };
        let number = big_number(&spec, &columns, &[vec![Cell::Int(9_876_543)]]);
        assert_eq!(number, Some(BigNumber { value: "9,876,543".into(), label: "total revenue".into() }));
        assert_eq!(big_number(&spec, &columns, &[]), None);
    }
}
