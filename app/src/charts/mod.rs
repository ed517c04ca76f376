//! Pure chart builders: a result and a [`ChartSpec`] in, an ECharts option (`charming::Chart`)
//! out. No DOM here, so everything is unit-tested natively; `components::chart_view` renders.

mod cartesian;
mod number;
mod pie;

pub use cartesian::{bar, line, scatter, LINE_POINTS, SCATTER_POINTS};
pub use number::{big_number, format_number, BigNumber};
pub use pie::pie;

use charming::Chart;
use vizkraft_domain::api::query::{Cell, ResultColumn};
use vizkraft_domain::chart::{choose, ChartKind, ChartSpec};
use vizkraft_domain::result::ResultData;

/// How many leading rows the automatic choice looks at; enough to see a column's shape.
pub const CHOICE_SAMPLE: usize = 1000;
/// Bars past this many stop being readable (and cost the browser more than they show).
pub const MAX_BARS: usize = 2_000;
/// Slices past this many are no longer shares anyone can compare.
pub const MAX_SLICES: usize = 50;

/// An ECharts option with its bulk data kept aside: `series_points[i]`, when not empty, is
/// series `i`'s data as interleaved `x, y` numbers, handed to ECharts as a `Float64Array`
/// instead of going through charming's serialisation one value at a time.
pub struct ChartOption {
    pub chart: Chart,
    pub series_points: Vec<Vec<f64>>,
    /// Said under the chart when it shows fewer points than the result has.
    pub note: Option<String>,
}

impl ChartOption {
    fn plain(chart: Chart) -> ChartOption {
        ChartOption { chart, series_points: Vec::new(), note: None }
    }

    pub fn point_count(&self) -> usize {
        self.series_points.iter().map(|p| p.len() / 2).sum()
    }
}

/// One accent first, then calm companions for further series and pie slices.
const PALETTE: [&str; 8] = ["#4257d6", "#2aa198", "#e0a526", "#d9534f", "#7d5fc2", "#5b8fb9", "#8a9a5b", "#c2649a"];

/// The kind's wire name (`big_number`), used for `data-chart-kind` and test ids.
pub fn kind_slug(kind: ChartKind) -> &'static str {
    match kind {
        ChartKind::Line => "line",
        ChartKind::Bar => "bar",
        ChartKind::Pie => "pie",
        ChartKind::Scatter => "scatter",
        ChartKind::BigNumber => "big_number",
        ChartKind::Table => "table",
    }
}

/// Whether the kind is drawn by ECharts; a big number and a table are plain HTML.
pub fn uses_echarts(kind: ChartKind) -> bool {
    matches!(kind, ChartKind::Line | ChartKind::Bar | ChartKind::Pie | ChartKind::Scatter)
}

/// The ECharts option for a spec, or `None` when the kind is not an ECharts chart or the spec
/// does not fit these columns.
pub fn echarts_option(spec: &ChartSpec, columns: &[ResultColumn], data: &ResultData) -> Option<ChartOption> {
    if !fits(spec, columns) {
        return None;
    }
    match spec.kind {
        ChartKind::Line => Some(line(spec, columns, data)),
        ChartKind::Scatter => Some(scatter(spec, columns, data)),
        ChartKind::Bar => Some(ChartOption::plain(bar(spec, columns, &data.sample_rows(MAX_BARS)))),
        ChartKind::Pie => Some(ChartOption::plain(pie(spec, columns, &data.sample_rows(MAX_SLICES)))),
        ChartKind::BigNumber | ChartKind::Table => None,
    }
}

/// The chart for a finished result: the compiler's spec when the SQL is still the compiler's
/// (it knows what the question asked for), otherwise the domain's choice from the data. Bars
/// and pies too many to read become a table.
pub fn pick_spec(
    compiled: Option<&ChartSpec>,
    columns: &[ResultColumn],
    rows: &[Vec<Cell>],
    total_rows: usize,
) -> ChartSpec {
    let spec = match compiled {
        Some(spec) if fits(spec, columns) => spec.clone(),
        _ => choose(columns, &rows[..rows.len().min(CHOICE_SAMPLE)], total_rows),
    };
    if too_many_for(spec.kind, total_rows) {
        ChartSpec::table()
    } else {
        spec
    }
}

fn too_many_for(kind: ChartKind, total_rows: usize) -> bool {
    match kind {
        ChartKind::Bar => total_rows > MAX_BARS,
        ChartKind::Pie => total_rows > MAX_SLICES,
        _ => false,
    }
}

/// The spec for a kind the user picked in the switcher, reusing the current spec's columns
/// where they fit. `None` when this result cannot be drawn that way (no numeric column).
pub fn spec_for_kind(
    kind: ChartKind,
    current: &ChartSpec,
    columns: &[ResultColumn],
    rows: &[Vec<Cell>],
    total_rows: usize,
) -> Option<ChartSpec> {
    if too_many_for(kind, total_rows) {
        return None;
    }
    if current.kind == kind && fits(current, columns) {
        return Some(current.clone());
    }
    let sample = &rows[..rows.len().min(CHOICE_SAMPLE)];
    let numeric: Vec<usize> = (0..columns.len()).filter(|&i| is_numeric(columns, sample, i)).collect();
    let measures_besides = |x: usize| -> Vec<usize> {
        let kept: Vec<usize> = current.y.iter().copied().filter(|&i| i != x && numeric.contains(&i)).collect();
        if kept.is_empty() {
            numeric.iter().copied().filter(|&i| i != x).collect()
        } else {
            kept
        }
    };
    let spec = match kind {
        ChartKind::Table => ChartSpec::table(),
        ChartKind::BigNumber => {
            let y = current.y.iter().copied().find(|i| numeric.contains(i)).or(numeric.first().copied())?;
            ChartSpec { kind, x: None, y: vec![y] }
        }
        ChartKind::Line | ChartKind::Bar | ChartKind::Pie => {
            let x = current
                .x
                .filter(|&x| x < columns.len())
                .or_else(|| (0..columns.len()).find(|i| !numeric.contains(i)))
                .or_else(|| (numeric.len() >= 2).then_some(0))?;
            let mut y = measures_besides(x);
            if kind == ChartKind::Pie {
                y.truncate(1);
            }
            if y.is_empty() {
                return None;
            }
            ChartSpec { kind, x: Some(x), y }
        }
        ChartKind::Scatter => {
            let x = current.x.filter(|x| numeric.contains(x)).or(numeric.first().copied())?;
            let y = *measures_besides(x).first()?;
            ChartSpec { kind, x: Some(x), y: vec![y] }
        }
    };
    Some(spec)
}

/// Whether every index in the spec names a column and the kind has what it needs.
fn fits(spec: &ChartSpec, columns: &[ResultColumn]) -> bool {
    let in_range = spec.x.is_none_or(|x| x < columns.len()) && spec.y.iter().all(|&y| y < columns.len());
    let shape = match spec.kind {
        ChartKind::Line | ChartKind::Bar | ChartKind::Pie | ChartKind::Scatter => {
            spec.x.is_some() && !spec.y.is_empty()
        }
        ChartKind::BigNumber => !spec.y.is_empty(),
        ChartKind::Table => true,
    };
    in_range && shape
}

/// A column counts as numeric when declared so, or when its type is unknown (SQLite expressions
/// have no declared type) and every value seen is a number.
fn is_numeric(columns: &[ResultColumn], sample: &[Vec<Cell>], index: usize) -> bool {
    use vizkraft_domain::semantic::ColumnKind;
    match columns.get(index).map(|c| c.kind) {
        Some(kind) if kind.is_numeric() => true,
        Some(ColumnKind::Other) => {
            let mut seen = false;
            for row in sample {
                match row.get(index) {
                    Some(Cell::Int(_) | Cell::Float(_)) => seen = true,
                    Some(Cell::Null) | None => {}
                    Some(_) => return false,
                }
            }
            seen
        }
        _ => false,
    }
}

/// The cell as a chart value: numbers stay numbers, numeric text (PostgreSQL `numeric` may
/// travel as text) is parsed, and anything else is a gap (`null`), which ECharts skips.
fn chart_number(cell: Option<&Cell>) -> Option<charming::datatype::NumericValue> {
    use charming::datatype::NumericValue;
    match cell? {
        Cell::Int(i) => Some(NumericValue::Integer(*i)),
        Cell::Float(f) if f.is_finite() => Some(NumericValue::Float(*f)),
        Cell::Text(t) => t.trim().parse::<f64>().ok().filter(|f| f.is_finite()).map(NumericValue::Float),
        Cell::Bool(b) => Some(NumericValue::Integer(i64::from(*b))),
        Cell::Float(_) | Cell::Null | Cell::Timestamp(_) | Cell::Date(_) => None,
    }
}

/// The cell as a category label.
fn category(cell: Option<&Cell>) -> String {
    match cell {
        None | Some(Cell::Null) => "(empty)".to_owned(),
        Some(cell) => cell.to_string(),
    }
}

fn column_name(columns: &[ResultColumn], index: usize) -> String {
    columns.get(index).map(|c| c.name.clone()).unwrap_or_default()
}

fn palette() -> Vec<&'static str> {
    PALETTE.to_vec()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use vizkraft_domain::semantic::ColumnKind;

    pub(crate) fn col(name: &str, kind: ColumnKind) -> ResultColumn {
        ResultColumn { name: name.into(), kind }
    }

    pub(crate) fn sales() -> (Vec<ResultColumn>, Vec<Vec<Cell>>) {
        let columns = vec![
            col("country", ColumnKind::Text),
            col("revenue", ColumnKind::Decimal),
            col("orders", ColumnKind::Integer),
        ];
        let rows = vec![
            vec![Cell::Text("DE".into()), Cell::Float(10.5), Cell::Int(3)],
            vec![Cell::Text("FR".into()), Cell::Null, Cell::Int(1)],
            vec![Cell::Text("IT".into()), Cell::Float(7.25), Cell::Int(2)],
        ];
        (columns, rows)
    }

    pub(crate) fn data_of(rows: &[Vec<Cell>]) -> ResultData {
        let mut builder = vizkraft_domain::result::BatchBuilder::new(rows.first().map_or(0, Vec::len));
        for row in rows {
            builder.push_row(row.iter().cloned());
        }
        let mut data = ResultData::default();
        data.push(builder.take());
        data
    }

    /// ECharts normalises `xAxis: {…}` to `xAxis: [{…}]`; tests read both the same way.
    pub(crate) fn first(option: &serde_json::Value, key: &str) -> serde_json::Value {
        match &option[key] {
            serde_json::Value::Array(items) => items[0].clone(),
            other => other.clone(),
        }
    }

    #[test]
    fn slugs_are_the_wire_names() {
        for kind in ChartKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind_slug(kind));
        }
    }

    #[test]
    fn the_compilers_spec_wins_when_it_fits() {
        let (columns, rows) = sales();
        let compiled = ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![2] };
        assert_eq!(pick_spec(Some(&compiled), &columns, &rows, 3), compiled);
    }

    #[test]
    fn a_spec_that_no_longer_fits_falls_back_to_the_domains_choice() {
        let columns = vec![col("n", ColumnKind::Integer)];
        let stale = ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![3] };
        let spec = pick_spec(Some(&stale), &columns, &[vec![Cell::Int(5)]], 1);
        assert_eq!(spec.kind, ChartKind::BigNumber);
    }

    #[test]
    fn switching_kinds_keeps_the_dimension_and_measures() {
        let (columns, rows) = sales();
        let bar = ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![1, 2] };
        assert_eq!(
            spec_for_kind(ChartKind::Line, &bar, &columns, &rows, 3),
            Some(ChartSpec { kind: ChartKind::Line, x: Some(0), y: vec![1, 2] })
        );
        assert_eq!(
            spec_for_kind(ChartKind::Pie, &bar, &columns, &rows, 3),
            Some(ChartSpec { kind: ChartKind::Pie, x: Some(0), y: vec![1] })
        );
        assert_eq!(
            spec_for_kind(ChartKind::Scatter, &bar, &columns, &rows, 3),
            Some(ChartSpec { kind: ChartKind::Scatter, x: Some(1), y: vec![2] })
        );
        assert_eq!(
            spec_for_kind(ChartKind::BigNumber, &bar, &columns, &rows, 3),
            Some(ChartSpec { kind: ChartKind::BigNumber, x: None, y: vec![1] })
        );
    }

    #[test]
    fn text_only_results_can_only_be_a_table() {
        let columns = vec![col("name", ColumnKind::Text)];
        let rows = vec![vec![Cell::Text("a".into())]];
        let table = ChartSpec::table();
        for kind in [ChartKind::Line, ChartKind::Bar, ChartKind::Pie, ChartKind::Scatter, ChartKind::BigNumber] {
            assert_eq!(spec_for_kind(kind, &table, &columns, &rows, 1), None, "{kind:?}");
        }
        assert_eq!(spec_for_kind(ChartKind::Table, &table, &columns, &rows, 1), Some(table));
    }

    #[test]
    fn untyped_columns_holding_numbers_count_as_numeric() {
        let columns = vec![col("label", ColumnKind::Text), col("sum(x)", ColumnKind::Other)];
        let rows = vec![vec![Cell::Text("a".into()), Cell::Int(1)], vec![Cell::Text("b".into()), Cell::Float(2.5)]];
        let spec = spec_for_kind(ChartKind::Bar, &ChartSpec::table(), &columns, &rows, 2);
        assert_eq!(spec, Some(ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![1] }));
    }

    #[test]
    fn non_echarts_kinds_and_broken_specs_have_no_option() {
        let (columns, rows) = sales();
        let data = data_of(&rows);
        assert!(echarts_option(&ChartSpec::table(), &columns, &data).is_none());
        let big = ChartSpec { kind: ChartKind::BigNumber, x: None, y: vec![1] };
        assert!(echarts_option(&big, &columns, &data).is_none());
        let broken = ChartSpec { kind: ChartKind::Line, x: Some(9), y: vec![1] };
        assert!(echarts_option(&broken, &columns, &data).is_none());
    }

    #[test]
    fn too_many_bars_or_slices_become_a_table() {
        let (columns, rows) = sales();
        let compiled = ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![2] };
        assert_eq!(pick_spec(Some(&compiled), &columns, &rows, MAX_BARS + 1).kind, ChartKind::Table);
        assert_eq!(spec_for_kind(ChartKind::Pie, &compiled, &columns, &rows, MAX_SLICES + 1), None);
        assert!(spec_for_kind(ChartKind::Line, &compiled, &columns, &rows, MAX_BARS + 1).is_some());
    }

    #[test]
    fn numeric_text_is_charted_and_other_text_is_a_gap() {
        use charming::datatype::NumericValue;
        assert_eq!(chart_number(Some(&Cell::Text(" 12.5 ".into()))), Some(NumericValue::Float(12.5)));
        assert_eq!(chart_number(Some(&Cell::Text("n/a".into()))), None);
        assert_eq!(chart_number(Some(&Cell::Float(f64::NAN))), None);
        assert_eq!(chart_number(None), None);
    }
}
