//! A query result as it travels and as the browser holds it: batches of typed columns
//! ([`batch`]), their binary stream ([`wire`]), the received result ([`ResultData`]) and the
//! point reduction for charts too dense to draw ([`downsample`]).

pub mod batch;
pub mod csv;
pub mod downsample;
mod time;
pub mod wire;

pub use batch::{Batch, BatchBuilder, Column, Values};
pub use time::{civil_from_days, format_date, format_timestamp};

use crate::api::query::Cell;

/// The rows received so far, kept as the batches they came in: appending never copies what is
/// already held, and a row is found by a binary search over batch starts.
#[derive(Clone, Default, PartialEq)]
pub struct ResultData {
    batches: Vec<Batch>,
    /// Row index of each batch's first row.
    starts: Vec<usize>,
    row_count: usize,
    heap_bytes: usize,
}

impl ResultData {
    pub fn push(&mut self, batch: Batch) {
        if batch.row_count == 0 {
            return;
        }
        self.starts.push(self.row_count);
        self.row_count += batch.row_count;
        self.heap_bytes += batch.heap_bytes();
        self.batches.push(batch);
    }

    pub fn len(&self) -> usize {
        self.row_count
    }

    pub fn is_empty(&self) -> bool {
        self.row_count == 0
    }

    /// Bytes of values held, for the browser's memory budget.
    pub fn heap_bytes(&self) -> usize {
        self.heap_bytes
    }

    /// The batch holding `row`, and the row's index inside it.
    fn locate(&self, row: usize) -> Option<(&Batch, usize)> {
        if row >= self.row_count {
            return None;
        }
        let batch = self.starts.partition_point(|&start| start <= row).checked_sub(1)?;
        Some((self.batches.get(batch)?, row - self.starts.get(batch)?))
    }

    pub fn cell(&self, row: usize, column: usize) -> Cell {
        self.locate(row).and_then(|(batch, i)| batch.columns.get(column).map(|c| c.cell(i))).unwrap_or(Cell::Null)
    }

    /// The value as a chart number; `None` for nulls and text that is not a number.
    pub fn number(&self, row: usize, column: usize) -> Option<f64> {
        let (batch, i) = self.locate(row)?;
        batch.columns.get(column)?.number(i)
    }

    /// The first `limit` rows as cells, for the code that looks at a sample.
    pub fn sample_rows(&self, limit: usize) -> Vec<Vec<Cell>> {
        let columns = self.batches.first().map_or(0, |b| b.columns.len());
        (0..self.row_count.min(limit)).map(|r| (0..columns).map(|c| self.cell(r, c)).collect()).collect()
    }

    /// Every value of `column` as a number, `NaN` where there is none, batch by batch: the
    /// fast path for charts.
    pub fn numbers(&self, column: usize) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.row_count);
        for batch in &self.batches {
            match batch.columns.get(column) {
                Some(Column { values: Values::Float(v), .. }) if !batch.columns[column].has_nulls() => {
                    out.extend_from_slice(v)
                }
                Some(c) => out.extend((0..batch.row_count).map(|i| c.number(i).unwrap_or(f64::NAN))),
                None => out.extend(std::iter::repeat_n(f64::NAN, batch.row_count)),
            }
        }
        out
    }

    pub fn batches(&self) -> &[Batch] {
        &self.batches
    }
}

/// Redacted: a value must never reach a log line through `{:?}`.
impl std::fmt::Debug for ResultData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ResultData({} rows, ‹redacted›)", self.row_count)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn batch(values: std::ops::Range<i64>) -> Batch {
        let mut builder = BatchBuilder::new(2);
        for v in values {
            builder.push_row([Cell::Int(v), if v % 3 == 0 { Cell::Null } else { Cell::Float(v as f64 / 2.0) }]);
        }
        builder.take()
    }

    #[test]
    fn rows_are_found_across_batches() {
        let mut data = ResultData::default();
        data.push(batch(0..64));
        data.push(Batch::default());
        data.push(batch(64..320));
        data.push(batch(320..321));
        assert_eq!(data.len(), 321);
        for row in [0, 63, 64, 100, 319, 320] {
            assert_eq!(data.cell(row, 0), Cell::Int(row as i64), "row {row}");
        }
        assert_eq!(data.cell(321, 0), Cell::Null);
        assert_eq!(data.cell(0, 9), Cell::Null);
        assert_eq!(data.number(3, 1), None);
        assert_eq!(data.number(4, 1), Some(2.0));
        let numbers = data.numbers(1);
        assert_eq!(numbers.len(), 321);
        assert!(numbers[3].is_nan());
        assert_eq!(numbers[5], 2.5);
        assert_eq!(data.sample_rows(2), vec![vec![Cell::Int(0), Cell::Null], vec![Cell::Int(1), Cell::Float(0.5)]]);
    }
}
