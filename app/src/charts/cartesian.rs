//! Line, bar and scatter charts: a dimension on the x axis, measures on the y axis.

use charming::component::{Axis, Grid, Legend};
use charming::datatype::CompositeValue;
use charming::element::{AxisLabel, AxisPointer, AxisPointerType, AxisType, NameLocation, Tooltip, Trigger};
use charming::series::{Bar, Line, Scatter};
use charming::Chart;
use vizkraft_domain::api::query::{Cell, ResultColumn};
use vizkraft_domain::chart::ChartSpec;
use vizkraft_domain::result::downsample::{lttb, one_per_pixel};
use vizkraft_domain::result::ResultData;

use super::{category, chart_number, column_name, format_number, palette, ChartOption};

/// Points a line chart draws at most, over all its series; more are reduced with LTTB.
pub const LINE_POINTS: usize = 4_000;
/// Points a scatter plot draws before points on the same pixel are merged.
pub const SCATTER_POINTS: usize = 20_000;
/// The pixel grid scatter points are merged on: a wide chart's plot area.
const SCATTER_GRID: (usize, usize) = (1_200, 600);

/// Beyond this many points, markers turn into noise; the line alone reads better.
const MAX_POINTS_WITH_SYMBOLS: usize = 60;
/// Beyond this many categories, horizontal labels overlap.
const MAX_FLAT_LABELS: usize = 8;

/// One series per measure over the categories in `spec.x`, in the order the SQL returned them
/// (its `ORDER BY` decides; re-sorting here would contradict the table below). Past
/// [`LINE_POINTS`], each series keeps the points LTTB picks, and the chart says so.
pub fn line(spec: &ChartSpec, columns: &[ResultColumn], data: &ResultData) -> ChartOption {
    let x = spec.x.unwrap_or_default();
    let measures: Vec<Vec<f64>> = spec.y.iter().map(|&y| data.numbers(y)).collect();
    let total = data.len();
    let rows: Vec<usize> = if total > LINE_POINTS {
        let budget = LINE_POINTS / measures.len().max(1);
        let mut picked: Vec<usize> = measures.iter().flat_map(|values| lttb(values, budget)).collect();
        picked.sort_unstable();
        picked.dedup();
        picked
    } else {
        (0..total).collect()
    };
    let categories: Vec<String> = rows.iter().map(|&r| category(Some(&data.cell(r, x)))).collect();
    let show_symbol = rows.len() <= MAX_POINTS_WITH_SYMBOLS;
    let chart = spec.y.iter().fold(category_frame(spec, columns, categories), |chart, &y| {
        chart.series(Line::new().name(column_name(columns, y)).show_symbol(show_symbol))
    });
    // On a category axis, x is the category's position.
    let series_points = measures
        .iter()
        .map(|values| rows.iter().enumerate().flat_map(|(k, &r)| [k as f64, values[r]]).collect())
        .collect();
    let note = (rows.len() < total).then(|| {
        format!(
            "{} of {} points drawn: the line is reduced with LTTB, which keeps its peaks and troughs.",
            format_number(rows.len() as f64),
            format_number(total as f64)
        )
    });
    ChartOption { chart, series_points, note }
}

pub fn bar(spec: &ChartSpec, columns: &[ResultColumn], rows: &[Vec<Cell>]) -> Chart {
    let x = spec.x.unwrap_or_default();
    let categories = rows.iter().map(|row| category(row.get(x))).collect();
    spec.y.iter().fold(category_frame(spec, columns, categories), |chart, &y| {
        chart.series(Bar::new().name(column_name(columns, y)).data(values(rows, y)))
    })
}

/// Pairs `(x, y)` of two measures; rows missing either value are left out, as a point needs
/// both. Past [`SCATTER_POINTS`], points that would share a pixel are drawn once.
pub fn scatter(spec: &ChartSpec, columns: &[ResultColumn], data: &ResultData) -> ChartOption {
    let x = spec.x.unwrap_or_default();
    let y = spec.y.first().copied().unwrap_or_default();
    let (xs, ys) = (data.numbers(x), data.numbers(y));
    let present = xs.iter().zip(&ys).filter(|(a, b)| a.is_finite() && b.is_finite()).count();
    let rows: Vec<usize> = if present > SCATTER_POINTS {
        one_per_pixel(&xs, &ys, SCATTER_GRID.0, SCATTER_GRID.1)
    } else {
        (0..xs.len()).filter(|&i| xs[i].is_finite() && ys[i].is_finite()).collect()
    };
    let points = rows.iter().flat_map(|&r| [xs[r], ys[r]]).collect();
    let chart = Chart::new()
        .color(palette())
        .grid(grid())
        .tooltip(Tooltip::new().trigger(Trigger::Item))
        .x_axis(value_axis(column_name(columns, x)).name_location(NameLocation::Middle).name_gap(30.0).scale(true))
        .y_axis(value_axis(column_name(columns, y)).scale(true))
        .series(Scatter::new().name(column_name(columns, y)).symbol_size(if present > 1_000 { 3.0 } else { 8.0 }));
    let note = (rows.len() < present).then(|| {
        format!(
            "{} of {} points drawn: points that fall on the same pixel are drawn once.",
            format_number(rows.len() as f64),
            format_number(present as f64)
        )
    });
    ChartOption { chart, series_points: vec![points], note }
}

/// Axes, grid, tooltip and legend shared by line and bar charts; series are added by the caller.
fn category_frame(spec: &ChartSpec, columns: &[ResultColumn], categories: Vec<String>) -> Chart {
    let x = spec.x.unwrap_or_default();
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
    use crate::charts::tests::{col, data_of, first, sales};
    use serde_json::json;
    use vizkraft_domain::chart::ChartKind;
    use vizkraft_domain::semantic::ColumnKind;

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
        let option = line(&spec, &columns, &data_of(&rows));
        let json = serde_json::to_value(&option.chart).unwrap();
        assert_eq!(first(&json, "xAxis")["data"], json!(["DE", "FR", "IT"]));
        assert_eq!(json["series"][1]["name"], "orders");
        assert!(json.get("legend").is_some(), "two measures need a legend");
        let revenue = &option.series_points[0];
        assert_eq!((revenue[0], revenue[1], revenue[2]), (0.0, 10.5, 1.0));
        assert!(revenue[3].is_nan(), "a missing value is a gap");
        assert_eq!(option.series_points[1], vec![0.0, 3.0, 1.0, 1.0, 2.0, 2.0]);
        assert_eq!(option.note, None);
    }

    #[test]
    fn a_long_line_is_reduced_and_says_so() {
        let columns = vec![col("day", ColumnKind::Integer), col("value", ColumnKind::Decimal)];
        let rows: Vec<Vec<Cell>> =
            (0..50_000).map(|i| vec![Cell::Int(i), Cell::Float((i as f64 / 500.0).sin())]).collect();
        let spec = ChartSpec { kind: ChartKind::Line, x: Some(0), y: vec![1] };
        let option = line(&spec, &columns, &data_of(&rows));
        assert_eq!(option.point_count(), LINE_POINTS);
        let json = serde_json::to_value(&option.chart).unwrap();
        assert_eq!(first(&json, "xAxis")["data"].as_array().unwrap().len(), LINE_POINTS);
        assert_eq!(first(&json, "xAxis")["data"][0], "0");
        assert_eq!(first(&json, "xAxis")["data"][LINE_POINTS - 1], "49999");
        assert!(option.note.unwrap().starts_with("4,000 of 50,000 points drawn"));
    }

    #[test]
    fn a_scatter_pairs_two_measures_and_skips_incomplete_rows() {
        let (columns, rows) = sales();
        let spec = ChartSpec { kind: ChartKind::Scatter, x: Some(1), y: vec![2] };
        let option = scatter(&spec, &columns, &data_of(&rows));
        assert_eq!(option.series_points, vec![vec![10.5, 3.0, 7.25, 2.0]]);
        let json = serde_json::to_value(&option.chart).unwrap();
        assert_eq!(first(&json, "xAxis")["name"], "revenue");
        assert_eq!(option.note, None);
    }

    #[test]
    fn a_dense_scatter_draws_each_pixel_once() {
        let columns = vec![col("a", ColumnKind::Integer), col("b", ColumnKind::Integer)];
        // 30,000 points on a 100 × 100 lattice: at most 10,000 distinct pixels.
        let rows: Vec<Vec<Cell>> = (0..30_000).map(|i| vec![Cell::Int(i % 100), Cell::Int(i / 300)]).collect();
        let spec = ChartSpec { kind: ChartKind::Scatter, x: Some(0), y: vec![1] };
        let option = scatter(&spec, &columns, &data_of(&rows));
        assert_eq!(option.point_count(), 10_000);
        assert!(option.note.unwrap().contains("of 30,000 points drawn"));
    }
}
