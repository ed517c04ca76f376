//! The one component that draws charts. It owns the ECharts instance: created when a chart
//! first needs it, disposed before every redraw and when the component goes away, so instances
//! never pile up on a node. Each ChartView gets its own element id, since ECharts (through
//! charming) finds its node by id and two views must never share one.

use std::sync::atomic::{AtomicU64, Ordering};

use charming::{Echarts, WasmRenderer};
use leptos::prelude::*;
use vizkraft_domain::api::query::{Cell, ResultColumn};
use vizkraft_domain::chart::{ChartKind, ChartSpec};
use wasm_bindgen::{JsCast, JsValue};

use crate::charts::{big_number, echarts_option, kind_slug, uses_echarts};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Echarts,
    Number,
    Table,
}

#[component]
pub fn ChartView(
    #[prop(into)] spec: Signal<Option<ChartSpec>>,
    #[prop(into)] columns: Signal<Vec<ResultColumn>>,
    #[prop(into)] rows: Signal<Vec<Vec<Cell>>>,
) -> impl IntoView {
    let id = format!("vk-chart-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
    let instance = StoredValue::new_local(None::<Echarts>);
    let render_error = RwSignal::new(None::<String>);
    let kind = Memo::new(move |_| spec.with(|s| s.as_ref().map_or(ChartKind::Table, |s| s.kind)));
    // The markup only changes with the mode, so the ECharts node survives a switch from line to
    // bar and is never shared with nodes Leptos manages. The branch below reads nothing but
    // `mode`: a closure that also read `kind` would depend on it twice and could miss a change.
    let mode = Memo::new(move |_| match kind.get() {
        kind if uses_echarts(kind) => Mode::Echarts,
        ChartKind::BigNumber => Mode::Number,
        _ => Mode::Table,
    });

    let effect_id = id.clone();
    Effect::new(move |_| {
        let option = spec.with(|spec| {
            columns.with(|columns| rows.with(|rows| spec.as_ref().and_then(|spec| echarts_option(spec, columns, rows))))
        });
        dispose(instance);
        render_error.set(None);
        if let Some(option) = option {
            // Effects run after the DOM update, so the node for `effect_id` exists by now.
            match WasmRenderer::new_opt(None, None).render(&effect_id, &option) {
                Ok(chart) => {
                    instance.try_set_value(Some(chart));
                }
                Err(error) => render_error.set(Some(error.to_string())),
            }
        }
    });

    let resize = window_event_listener(leptos::ev::resize, move |_| {
        instance.try_with_value(|chart| chart.as_ref().map(|chart| call(chart, "resize")));
    });
    on_cleanup(move || {
        resize.remove();
        dispose(instance);
    });

    let slug = move || kind_slug(kind.get());
    let number = move || {
        spec.with(|spec| {
            columns.with(|columns| rows.with(|rows| spec.as_ref().and_then(|spec| big_number(spec, columns, rows))))
        })
    };
    view! {
        {move || match mode.get() {
            Mode::Echarts => view! {
                <div class="chart" id=id.clone() data-testid="chart" data-chart-kind=slug role="img"></div>
            }.into_any(),
            Mode::Number => view! {
                <div class="chart chart-number" data-testid="chart" data-chart-kind=slug>
                    {move || number().map(|n| view! {
                        <div class="big-number" data-testid="big-number">{n.value}</div>
                        <div class="big-number-label muted">{n.label}</div>
                    })}
                </div>
            }.into_any(),
            Mode::Table => view! {
                <div class="chart chart-table" data-testid="chart" data-chart-kind=slug>
                    <p class="muted">"Shown as a table below."</p>
                </div>
            }.into_any(),
        }}
        {move || render_error.get().map(|message| view! {
            <p class="note">"The chart could not be drawn: " {message}</p>
        })}
    }
}

/// Frees the ECharts instance, if any. `try_` because cleanup may run after the stored value
/// itself was disposed with its owner.
fn dispose(instance: StoredValue<Option<Echarts>, LocalStorage>) {
    if let Some(Some(chart)) = instance.try_update_value(Option::take) {
        call(&chart, "dispose");
    }
}

/// Calls a no-argument method of the ECharts instance; charming binds neither `dispose` nor an
/// argument-free `resize`. Failures only reach the console: the chart is gone or redrawn anyway.
fn call(chart: &Echarts, method: &str) {
    let target: &JsValue = chart.as_ref();
    let outcome = js_sys::Reflect::get(target, &JsValue::from_str(method))
        .and_then(|f| f.dyn_into::<js_sys::Function>())
        .and_then(|f| f.call0(target));
    if let Err(error) = outcome {
        leptos::logging::warn!("echarts {method} failed: {error:?}");
    }
}
