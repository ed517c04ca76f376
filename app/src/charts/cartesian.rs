//! Line, bar and scatter charts: a dimension on the x axis, measures on the y axis.

use charming::component::{Axis, Grid, Legend};
use charming::datatype::CompositeValue;
use charming::element::{AxisLabel, AxisPointer, AxisPointerType, AxisType, NameLocation, Tooltip, Trigger};
use charming::series::{Bar, Line, Scatter};
use charming::Chart;
use vizkraft_domain::api::query::{Cell, ResultColumn};
use vizkraft_domain::chart::ChartSpec;

use super::{category, chart_number, column_name, palette};

/// Beyond this many points, markers turn into noise; the line alone reads better.
const MAX_POINTS_WITH_SYMBOLS: usize = 60;
/// Beyond this many categories, horizontal labels overlap.
const MAX_FLAT_LABELS: usize = 8;

/// One series per measure over the categories in `spec.x`, in the order the SQL returned them
/// (its `ORDER BY` decides; re-sorting here would contradict the table below).
pub fn line(spec: &ChartSpec, columns: &[ResultColumn], rows: &[Vec<Cell>]) -> Chart {
    let show_symbol = rows.len() <= MAX_POINTS_WITH_SYMBOLS;
    spec.y.iter().fold(category_frame(spec, columns, rows), |chart, &y| {
        chart.series(Line::new().name(column_name(columns, y)).show_symbol(show_symbol).data(values(rows, y)))
    })
}

pub fn bar(spec: &ChartSpec, columns: &[ResultColumn], rows: &[Vec<Cell>]) -> Chart {
    spec.y.iter().fold(category_frame(spec, columns, rows), |chart, &y| {
        chart.series(Bar::new().name(column_name(columns, y)).data(values(rows, y)))
    })
}

/// Pairs `(x, y)` of two measures; rows missing either value are left out, as a point needs both.
pub fn scatter(spec: &ChartSpec, columns: &[ResultColumn], rows: &[Vec<Cell>]) -> Chart {
    let x = spec.x.unwrap_or_default();
    let y = spec.y.first().copied().unwrap_or_default();
    let points: Vec<CompositeValue> = rows
        .iter()
        .filter_map(|row| {
            let px = chart_number(row.get(x))?;
            let py = chart_number(row.get(y))?;
            Some(CompositeValue::Array(vec![CompositeValue::Number(px), CompositeValue::Number(py)]))
        })
        .collect();
    Chart::new()
        .color(palette())
        .grid(grid())
        .tooltip(Tooltip::new().trigger(Trigger::Item))
        .x_axis(value_axis(column_name(columns, x)).name_location(NameLocation::Middle).name_gap(30.0).scale(true))
        .y_axis(value_axis(column_name(columns, y)).scale(true))
        .series(Scatter::new().name(column_name(columns, y)).symbol_size(8.0).data(points))
}

/// Axes, grid, tooltip and legend shared by line and bar charts; series are added by the caller.
fn category_frame(spec: &ChartSpec, columns: &[ResultColumn], rows: &[Vec<Cell>]) -> Chart {
    let x = spec.x.unwrap_or_default();
    let categories: Vec<String> = rows.iter().map(|row| category(row.get(x))).collect();
    let rotate = if categories.len() > MAX_FLAT_LABELS { 30.0 } else { 0.0 };
    let y_name = match spec.y.as_slice() {
        [only] => column_name(columns, *only),
        _ => String::new(),
    };
    let mut chart = Chart::new()
        .color(palette())
        .grid(grid())
        .tooltip(Tooltip::new().trigger(Trigger::Axis).axis_pointer(AxisPointer::new().type_(AxisPointerType::Shadow)))
        .x_axis(
            Axis::new()
                .type_(AxisType::Category)
                .name(column_name(columns, x))
                .name_location(NameLocation::Middle)
                .name_gap(if rotate > 0.0 { 56.0 } else { 30.0 })
                .axis_label(AxisLabel::new().rotate(rotate))
                .data(categories),
        )
        .y_axis(value_axis(y_name));
    if spec.y.len() > 1 {
        chart = chart.legend(Legend::new().top("0"));
    }
    chart
}

/// A value axis named at its end: in the middle, the name collides with long tick labels.
fn value_axis(name: String) -> Axis {
    Axis::new().type_(AxisType::Value).name(name).name_location(NameLocation::End)
}

fn grid() -> Grid {
    Grid::new().left("4%").right("4%").top("14%").bottom("6%").contain_label(true)
}

/// The measure's values, one per row, `null` where a row has no number.
fn values(rows: &[Vec<Cell>], y: usize) -> Vec<CompositeValue> {
    rows.iter().map(|row| CompositeValue::from(chart_number(row.get(y)))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::{first, sales};
    use serde_json::json;
    use vizkraft_domain::chart::ChartKind;

    #[test]
    fn a_bar_puts_categories_on_the_x_axis_and_plain_numbers_in_the_series() {
        let (columns, rows) = sales();
        let spec = ChartSpec { kind: ChartKind::Bar, x: Some(0), y: vec![2] };
        let option = serde_json::to_value(bar(&spec, &columns, &rows)).unwrap();
        assert_eq!(first(&option, "xAxis")["data"], json!(["DE", "FR", "IT"]));
        assert_eq!(option["series"][0]["type"], "bar");
        assert_eq!(option["series"][0]["data"], json!([3, 1, 2]));
    }

    #[test]
    fn a_line_keeps_row_order_and_leaves_gaps_for_missing_values() {
        let (columns, rows) = sales();
        let spec = ChartSpec { kind: ChartKind::Line, x: Some(0), y: vec![1, 2] };
        let option = serde_json::to_value(line(&spec, &columns, &rows)).unwrap();
        assert_eq!(first(&option, "xAxis")["data"], json!(["DE", "FR", "IT"]));
        assert_eq!(option["series"][0]["data"], json!([10.5, null, 7.25]));
        assert_eq!(option["series"][1]["name"], "orders");
        assert!(option.get("legend").is_some(), "two measures need a legend");
    }

    #[test]
    fn a_scatter_pairs_two_measures_and_skips_incomplete_rows() {
        let (columns, rows) = sales();
        let spec = ChartSpec { kind: ChartKind::Scatter, x: Some(1), y: vec![2] };
        let option = serde_json::to_value(scatter(&spec, &columns, &rows)).unwrap();
        assert_eq!(option["series"][0]["data"], json!([[10.5, 3], [7.25, 2]]));
        assert_eq!(first(&option, "xAxis")["name"], "revenue");
    }
}
