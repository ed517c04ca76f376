//! A batch of result rows held by column: one typed vector per column plus a null bitmap, so
//! numbers stay numbers from the database driver to the chart without a text detour.

use crate::api::query::Cell;

/// The values of one column in one batch. Slots of null rows hold a zero or an empty string.
#[derive(Clone, PartialEq)]
pub enum Values {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Float(Vec<f64>),
    /// Microseconds since 1970-01-01 00:00:00 (UTC for `timestamptz`).
    Timestamp(Vec<i64>),
    /// Days since 1970-01-01.
    Date(Vec<i32>),
    Text(TextValues),
}

/// Strings laid end to end: value `i` is `text[ends[i-1]..ends[i]]`.
#[derive(Clone, PartialEq, Default)]
pub struct TextValues {
    pub(crate) ends: Vec<u32>,
    pub(crate) text: String,
}

impl TextValues {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)? as usize;
        let start = if index == 0 { 0 } else { *self.ends.get(index - 1)? as usize };
        self.text.get(start..end)
    }

    fn push(&mut self, value: &str) {
        self.text.push_str(value);
        self.ends.push(self.text.len() as u32);
    }
}

impl Values {
    pub fn len(&self) -> usize {
        match self {
            Values::Bool(v) => v.len(),
            Values::Int(v) | Values::Timestamp(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Date(v) => v.len(),
            Values::Text(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value at `index`, ignoring nulls (see [`Column::cell`]).
    fn cell(&self, index: usize) -> Option<Cell> {
        Some(match self {
            Values::Bool(v) => Cell::Bool(*v.get(index)?),
            Values::Int(v) => Cell::Int(*v.get(index)?),
            Values::Float(v) => Cell::Float(*v.get(index)?),
            Values::Timestamp(v) => Cell::Timestamp(*v.get(index)?),
            Values::Date(v) => Cell::Date(*v.get(index)?),
            Values::Text(v) => Cell::Text(v.get(index)?.to_owned()),
        })
    }

    /// The value at `index` as a number for a chart: `None` for text that is not a number.
    pub fn number(&self, index: usize) -> Option<f64> {
        match self {
            Values::Bool(v) => v.get(index).map(|&b| f64::from(u8::from(b))),
            Values::Int(v) => v.get(index).map(|&i| i as f64),
            Values::Float(v) => v.get(index).copied(),
            // Milliseconds, the unit of a JavaScript date and of an ECharts time axis.
            Values::Timestamp(v) => v.get(index).map(|&us| us as f64 / 1000.0),
            Values::Date(v) => v.get(index).map(|&d| f64::from(d) * 86_400_000.0),
            Values::Text(v) => v.get(index).and_then(|s| s.trim().parse::<f64>().ok()),
        }
    }

    /// Bytes held, for the browser's memory budget.
    pub fn heap_bytes(&self) -> usize {
        match self {
            Values::Bool(v) => v.len(),
            Values::Int(v) | Values::Timestamp(v) => v.len() * 8,
            Values::Float(v) => v.len() * 8,
            Values::Date(v) => v.len() * 4,
            Values::Text(v) => v.ends.len() * 4 + v.text.len(),
        }
    }

    fn for_cell(cell: &Cell) -> Option<Values> {
        Some(match cell {
            Cell::Null => return None,
            Cell::Bool(_) => Values::Bool(Vec::new()),
            Cell::Int(_) => Values::Int(Vec::new()),
            Cell::Float(_) => Values::Float(Vec::new()),
            Cell::Timestamp(_) => Values::Timestamp(Vec::new()),
            Cell::Date(_) => Values::Date(Vec::new()),
            Cell::Text(_) => Values::Text(TextValues::default()),
        })
    }

    fn push_placeholder(&mut self) {
        match self {
            Values::Bool(v) => v.push(false),
            Values::Int(v) | Values::Timestamp(v) => v.push(0),
            Values::Float(v) => v.push(0.0),
            Values::Date(v) => v.push(0),
            Values::Text(v) => v.push(""),
        }
    }

    /// Appends `cell`, or gives it back when it does not fit this column's type.
    fn try_push(&mut self, cell: Cell) -> Result<(), Cell> {
        match (self, cell) {
            (Values::Bool(v), Cell::Bool(b)) => v.push(b),
            (Values::Int(v), Cell::Int(i)) | (Values::Timestamp(v), Cell::Timestamp(i)) => v.push(i),
            (Values::Float(v), Cell::Float(f)) => v.push(f),
            (Values::Float(v), Cell::Int(i)) => v.push(i as f64),
            (Values::Date(v), Cell::Date(d)) => v.push(d),
            (Values::Text(v), Cell::Text(s)) => v.push(&s),
            (_, cell) => return Err(cell),
        }
        Ok(())
    }
}

/// One column of a batch.
#[derive(Clone, PartialEq)]
pub struct Column {
    pub values: Values,
    /// Bit `i` set: row `i` is null. Empty when no row is.
    pub(crate) nulls: Vec<u8>,
}

impl Column {
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub fn is_null(&self, index: usize) -> bool {
        self.nulls.get(index / 8).is_some_and(|byte| byte & (1 << (index % 8)) != 0)
    }

    pub fn has_nulls(&self) -> bool {
        self.nulls.iter().any(|&b| b != 0)
    }

    pub fn cell(&self, index: usize) -> Cell {
        if self.is_null(index) {
            return Cell::Null;
        }
        self.values.cell(index).unwrap_or(Cell::Null)
    }

    /// The value as a chart number; `None` for nulls and text that is not a number.
    pub fn number(&self, index: usize) -> Option<f64> {
        if self.is_null(index) {
            return None;
        }
        self.values.number(index)
    }

    pub fn heap_bytes(&self) -> usize {
        self.values.heap_bytes() + self.nulls.len()
    }
}

/// Rows of a result, by column.
#[derive(Clone, PartialEq, Default)]
pub struct Batch {
    pub row_count: usize,
    pub columns: Vec<Column>,
}

impl Batch {
    pub fn heap_bytes(&self) -> usize {
        self.columns.iter().map(Column::heap_bytes).sum()
    }
}

/// Redacted: a value must never reach a log line through `{:?}`.
impl std::fmt::Debug for Batch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Batch({} rows × {} columns, ‹redacted›)", self.row_count, self.columns.len())
    }
}

/// Builds a [`Batch`] row by row. Each column takes the type of its first non-null value; a
/// later value of another type (SQLite lets one column hold several) turns the column into
/// text, except a float among integers, which turns it into floats.
pub struct BatchBuilder {
    row_count: usize,
    columns: Vec<ColumnBuilder>,
    /// About what the batch costs encoded, for the relay's byte cap.
    bytes: usize,
}

#[derive(Default)]
struct ColumnBuilder {
    /// `None` until the first non-null value says which type the column has.
    values: Option<Values>,
    nulls: Vec<u8>,
    len: usize,
}

impl ColumnBuilder {
    fn push(&mut self, cell: Cell) {
        let index = self.len;
        self.len += 1;
        if matches!(cell, Cell::Null) {
            if self.nulls.len() <= index / 8 {
                self.nulls.resize(index / 8 + 1, 0);
            }
            self.nulls[index / 8] |= 1 << (index % 8);
            if let Some(values) = &mut self.values {
                values.push_placeholder();
            }
            return;
        }
        let values = match &mut self.values {
            Some(values) => values,
            None => {
                let mut values = Values::for_cell(&cell).unwrap_or(Values::Int(Vec::new()));
                for _ in 0..index {
                    values.push_placeholder();
                }
                self.values.insert(values)
            }
        };
        if let Err(cell) = values.try_push(cell) {
            *values = match (&*values, &cell) {
                (Values::Int(v), Cell::Float(_)) => Values::Float(v.iter().map(|&i| i as f64).collect()),
                (values, _) => as_text(values, &self.nulls),
            };
            match (values, cell) {
                (Values::Float(v), Cell::Float(f)) => v.push(f),
                (Values::Text(v), cell) => v.push(&cell.to_string()),
                (values, _) => values.push_placeholder(),
            }
        }
    }

    /// [`ColumnBuilder::push`] of text, without an owned string when the column is text.
    fn push_str(&mut self, value: &str) {
        match &mut self.values {
            Some(Values::Text(text)) => {
                text.push(value);
                self.len += 1;
            }
            _ => self.push(Cell::Text(value.to_owned())),
        }
    }

    fn finish(self) -> Column {
        let values = self.values.unwrap_or_else(|| Values::Int(vec![0; self.len]));
        Column { values, nulls: self.nulls }
    }
}

/// The column so far as text, for a value of another type that it must also hold.
fn as_text(values: &Values, nulls: &[u8]) -> Values {
    let is_null = |i: usize| nulls.get(i / 8).is_some_and(|b| b & (1 << (i % 8)) != 0);
    let mut text = TextValues::default();
    for i in 0..values.len() {
        match values.cell(i) {
            Some(cell) if !is_null(i) => text.push(&cell.to_string()),
            _ => text.push(""),
        }
    }
    Values::Text(text)
}

impl BatchBuilder {
    pub fn new(column_count: usize) -> BatchBuilder {
        BatchBuilder { row_count: 0, columns: (0..column_count).map(|_| ColumnBuilder::default()).collect(), bytes: 0 }
    }

    pub fn row_count(&self) -> usize {
        self.row_count
    }

    /// About how many bytes the values pushed since the last [`BatchBuilder::take`] encode to.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Appends a row; missing trailing cells are nulls and extra cells are ignored.
    pub fn push_row(&mut self, cells: impl IntoIterator<Item = Cell>) {
        let mut cells = cells.into_iter();
        for column in 0..self.columns.len() {
            self.push(column, cells.next().unwrap_or(Cell::Null));
        }
        self.row_count += 1;
    }

    /// Appends one value to `column` of the current row; call [`BatchBuilder::end_row`] after
    /// the last column.
    pub fn push(&mut self, column: usize, cell: Cell) {
        self.bytes += match &cell {
            Cell::Text(s) => s.len() + 4,
            Cell::Null | Cell::Bool(_) => 1,
            Cell::Date(_) => 4,
            Cell::Int(_) | Cell::Float(_) | Cell::Timestamp(_) => 8,
        };
        if let Some(column) = self.columns.get_mut(column) {
            column.push(cell);
        }
    }

    /// [`BatchBuilder::push`] of a text value, without copying it twice.
    pub fn push_str(&mut self, column: usize, value: &str) {
        self.bytes += value.len() + 4;
        if let Some(column) = self.columns.get_mut(column) {
            column.push_str(value);
        }
    }

    pub fn end_row(&mut self) {
        self.row_count += 1;
    }

    /// The batch so far; the builder starts over, keeping its column count.
    pub fn take(&mut self) -> Batch {
        let columns = self.columns.iter_mut().map(|c| std::mem::take(c).finish()).collect();
        self.bytes = 0;
        Batch { row_count: std::mem::take(&mut self.row_count), columns }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn build(rows: Vec<Vec<Cell>>) -> Batch {
        let mut builder = BatchBuilder::new(rows.first().map_or(0, Vec::len));
        for row in rows {
            builder.push_row(row);
        }
        builder.take()
    }

    fn column_cells(batch: &Batch, column: usize) -> Vec<Cell> {
        (0..batch.row_count).map(|i| batch.columns[column].cell(i)).collect()
    }

    #[test]
    fn each_column_keeps_its_type_and_its_nulls() {
        let batch = build(vec![
            vec![Cell::Int(1), Cell::Null, Cell::Text("a".into()), Cell::Timestamp(1_000_000)],
            vec![Cell::Null, Cell::Float(2.5), Cell::Text("bé".into()), Cell::Null],
        ]);
        assert_eq!(batch.row_count, 2);
        assert!(matches!(batch.columns[0].values, Values::Int(_)));
        assert!(matches!(batch.columns[1].values, Values::Float(_)));
        assert!(matches!(batch.columns[2].values, Values::Text(_)));
        assert_eq!(column_cells(&batch, 0), vec![Cell::Int(1), Cell::Null]);
        assert_eq!(column_cells(&batch, 1), vec![Cell::Null, Cell::Float(2.5)]);
        assert_eq!(column_cells(&batch, 2), vec![Cell::Text("a".into()), Cell::Text("bé".into())]);
        assert_eq!(column_cells(&batch, 3), vec![Cell::Timestamp(1_000_000), Cell::Null]);
        assert_eq!(batch.columns[3].number(0), Some(1000.0), "timestamps chart in milliseconds");
    }

    #[test]
    fn mixed_columns_widen_without_losing_values() {
        let batch = build(vec![vec![Cell::Int(1)], vec![Cell::Float(0.5)], vec![Cell::Null], vec![Cell::Int(3)]]);
        assert_eq!(column_cells(&batch, 0), vec![Cell::Float(1.0), Cell::Float(0.5), Cell::Null, Cell::Float(3.0)]);

        let batch = build(vec![vec![Cell::Int(7)], vec![Cell::Null], vec![Cell::Text("seven".into())]]);
        assert_eq!(column_cells(&batch, 0), vec![Cell::Text("7".into()), Cell::Null, Cell::Text("seven".into())]);
    }

    #[test]
    fn borrowed_text_lands_like_owned_text() {
        let mut builder = BatchBuilder::new(1);
        builder.push_str(0, "a");
        builder.end_row();
        builder.push(0, Cell::Null);
        builder.end_row();
        builder.push_str(0, "b");
        builder.end_row();
        assert_eq!(builder.bytes(), 5 + 1 + 5);
        let batch = builder.take();
        assert_eq!(column_cells(&batch, 0), vec![Cell::Text("a".into()), Cell::Null, Cell::Text("b".into())]);
        assert_eq!(builder.bytes(), 0);
    }

    #[test]
    fn a_column_of_nulls_only_is_all_null() {
        let batch = build(vec![vec![Cell::Null], vec![Cell::Null]]);
        assert_eq!(column_cells(&batch, 0), vec![Cell::Null, Cell::Null]);
    }

    #[test]
    fn debug_output_never_shows_values() {
        let batch = build(vec![vec![Cell::Text("secret-marker".into()), Cell::Int(987_654)]]);
        let printed = format!("{batch:?}");
        assert!(!printed.contains("secret-marker") && !printed.contains("987654"));
    }
}
