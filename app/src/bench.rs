//! Figures for `docs/benchmarks.md`, measured in the real browser by the bench command
//! (`tests/benches/result_path.rs`, which calls these through `window.wasmBindings`). The app
//! never calls them; they cost a few kilobytes of wasm.
//!
//! - B5: decoding a result stream into typed columns, against `JSON.parse` of the same rows
//!   shaped as Metabase's `rows` JSON. The JS side times both; here the data is made.
//! - B7: handing points to ECharts as a `Float64Array`, against charming's default path (one
//!   serialised JS value per point).

use charming::component::Axis;
use charming::datatype::CompositeValue;
use charming::element::AxisType;
use charming::series::Line;
use charming::Chart;
use vizkraft_domain::api::query::{Cell, ResultColumn, ResultEnd, ResultFrame};
use vizkraft_domain::result::wire::{encode_frame, FrameDecoder};
use vizkraft_domain::result::{BatchBuilder, ResultData};
use vizkraft_domain::semantic::ColumnKind;
use wasm_bindgen::prelude::*;

use crate::charts::ChartOption;
use crate::components::option_to_js;

/// The rows both formats carry: B1's six columns (bigint, timestamp, int, float, numeric,
/// text), or only the four numeric ones.
fn synthetic_row(i: u32, with_text: bool) -> Vec<Cell> {
    let i = i64::from(i);
    let mut row =
        vec![Cell::Int(i), Cell::Int(i % 1000), Cell::Float(i as f64 * 0.5), Cell::Float((i % 10_000) as f64 / 100.0)];
    if with_text {
        row.push(Cell::Timestamp(1_700_000_000_000_000 + i * 1_000_000));
        row.push(Cell::Text(format!("item-{}", i % 100_000)));
    }
    row
}

/// A result stream of `rows` synthetic rows in batches of the relay's largest size.
#[wasm_bindgen]
pub fn bench_result_stream(rows: u32, with_text: bool) -> Vec<u8> {
    let width = synthetic_row(0, with_text).len();
    let mut out = Vec::new();
    let columns = (0..width).map(|c| ResultColumn { name: format!("c{c}"), kind: ColumnKind::Other }).collect();
    encode_frame(&ResultFrame::Columns { columns }, &mut out);
    let mut builder = BatchBuilder::new(width);
    for i in 0..rows {
        builder.push_row(synthetic_row(i, with_text));
        if builder.row_count() == 16_384 || i + 1 == rows {
            encode_frame(&ResultFrame::Batch { batch: builder.take() }, &mut out);
        }
    }
    let end = ResultEnd { row_count: u64::from(rows), elapsed_ms: 0, truncated: None, row_cap: 0, timeout_ms: 0 };
    encode_frame(&ResultFrame::End(end), &mut out);
    out
}

/// The same rows as Metabase's dataset JSON (`{"data": {"rows": [[…], …], "cols": […]}}`),
/// timestamps as ISO strings as Metabase sends them.
#[wasm_bindgen]
pub fn bench_metabase_json(rows: u32, with_text: bool) -> String {
    let value = |cell: Cell| match cell {
        Cell::Int(i) => serde_json::json!(i),
        Cell::Float(f) => serde_json::json!(f),
        Cell::Timestamp(_) => serde_json::json!(format!("{}Z", cell.to_string().replace(' ', "T"))),
        other => serde_json::json!(other.to_string()),
    };
    let rows: Vec<Vec<serde_json::Value>> =
        (0..rows).map(|i| synthetic_row(i, with_text).into_iter().map(value).collect()).collect();
    let width = synthetic_row(0, with_text).len();
    let cols: Vec<serde_json::Value> = (0..width).map(|c| serde_json::json!({"name": format!("c{c}")})).collect();
    serde_json::json!({"data": {"rows": rows, "cols": cols}}).to_string()
}

/// Decodes a result stream into typed columns, as the app does; returns the rows held.
#[wasm_bindgen]
pub fn bench_decode(bytes: &[u8]) -> Result<u32, JsError> {
    let mut data = ResultData::default();
    for frame in FrameDecoder::default().push(bytes)? {
        if let ResultFrame::Batch { batch } = frame {
            data.push(batch);
        }
    }
    Ok(data.len() as u32)
}

/// Milliseconds to turn a line of `points` points into the JS option ECharts takes:
/// `[charming's default path, the typed-array path]`.
#[wasm_bindgen]
pub fn bench_chart_handoff(points: u32) -> Result<Vec<f64>, JsError> {
    let now = || web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
    let ys: Vec<f64> = (0..points).map(|i| (f64::from(i) / 1000.0).sin()).collect();
    let frame = || Chart::new().x_axis(Axis::new().type_(AxisType::Value)).y_axis(Axis::new().type_(AxisType::Value));

    let started = now();
    let data: Vec<CompositeValue> = ys
        .iter()
        .enumerate()
        .map(|(i, &y)| CompositeValue::Array(vec![CompositeValue::from(i as f64), CompositeValue::from(y)]))
        .collect();
    let chart = frame().series(Line::new().data(data));
    let charming = serde_wasm_bindgen::to_value(&chart).map_err(|e| JsError::new(&e.to_string()))?;
    let charming_ms = now() - started;

    let started = now();
    let points: Vec<f64> = ys.iter().enumerate().flat_map(|(i, &y)| [i as f64, y]).collect();
    let option = ChartOption { chart: frame().series(Line::new()), series_points: vec![points], note: None };
    let typed = option_to_js(&option).map_err(|e| JsError::new(&e))?;
    let typed_ms = now() - started;

    // Keep both alive until both are timed, so neither pays for the other's garbage.
    drop((charming, typed));
    Ok(vec![charming_ms, typed_ms])
}
