//! Pie charts: a few non-negative shares of one measure, named by the dimension.

use charming::component::Legend;
use charming::datatype::{CompositeValue, DataPointItem};
use charming::element::{Formatter, Label, Tooltip, Trigger};
use charming::series::Pie;
use charming::Chart;
use vizkraft_domain::api::query::{Cell, ResultColumn};
use vizkraft_domain::chart::ChartSpec;

use super::{category, chart_number, column_name, palette};

/// Slices are `{name, value}` items in row order; rows without a number are left out, since a
/// pie has no way to show a gap.
pub fn pie(spec: &ChartSpec, columns: &[ResultColumn], rows: &[Vec<Cell>]) -> Chart {
    let x = spec.x.unwrap_or_default();
    let y = spec.y.first().copied().unwrap_or_default();
    let slices: Vec<DataPointItem> = rows
        .iter()
        .filter_map(|row| {
            let value = chart_number(row.get(y))?;
            Some(DataPointItem::new(CompositeValue::Number(value)).name(category(row.get(x))))
        })
        .collect();
    Chart::new()
        .color(palette())
        .tooltip(Tooltip::new().trigger(Trigger::Item).formatter(Formatter::String("{b}: {c} ({d}%)".into())))
        .legend(Legend::new().bottom("0"))
        .series(
            Pie::new()
                .name(column_name(columns, y))
                .radius(vec!["42%", "70%"])
                .center(vec!["50%", "46%"])
                .label(Label::new().formatter(Formatter::String("{b}: {d}%".into())))
                .data(slices),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::tests::sales;
    use serde_json::json;
    use vizkraft_domain::chart::ChartKind;

    #[test]
    fn slices_are_name_value_items_and_gaps_are_left_out() {
        let (columns, rows) = sales();
        let spec = ChartSpec { kind: ChartKind::Pie, x: Some(0), y: vec![1] };
        let option = serde_json::to_value(pie(&spec, &columns, &rows)).unwrap();
        assert_eq!(option["series"][0]["type"], "pie");
        assert_eq!(option["series"][0]["data"], json!([{"name": "DE", "value": 10.5}, {"name": "IT", "value": 7.25}]));
    }
}
