//! The one component that draws charts. It owns the ECharts instance: created when a chart
//! first needs it, disposed before every redraw and when the component goes away, so instances
//! never pile up on a node. Charming builds the option; the bulk of line and scatter data goes
//! to ECharts as `Float64Array`s, which cost a copy instead of one JS object per point.

use leptos::html::Div;
use leptos::prelude::*;
use vizkraft_domain::api::query::ResultColumn;
use vizkraft_domain::chart::{ChartKind, ChartSpec};
use vizkraft_domain::result::ResultData;
use wasm_bindgen::prelude::*;

use crate::charts::{big_number, echarts_option, kind_slug, uses_echarts, ChartOption};
use crate::components::export::{download_pieces, download_url};

/// Past this many points ECharts draws in its incremental "large" mode, without animation.
const LARGE_POINTS: usize = 2_000;

#[wasm_bindgen]
extern "C" {
    /// An ECharts instance (`echarts.init`), bound here because charming keeps its own private.
    pub type EchartsInstance;

    #[wasm_bindgen(js_namespace = echarts, js_name = init, catch)]
    fn echarts_init(element: &web_sys::Element) -> Result<EchartsInstance, JsValue>;

    /// `echarts.init(element, theme, {renderer, width, height})`.
    #[wasm_bindgen(js_namespace = echarts, js_name = init, catch)]
    fn echarts_init_with(
        element: &web_sys::Element,
        theme: &JsValue,
        options: &JsValue,
    ) -> Result<EchartsInstance, JsValue>;

    #[wasm_bindgen(method, js_name = getDataURL)]
    fn get_data_url(this: &EchartsInstance, options: &JsValue) -> String;

    /// Only on an instance made with the SVG renderer.
    #[wasm_bindgen(method, js_name = renderToSVGString)]
    fn render_to_svg_string(this: &EchartsInstance) -> String;

    #[wasm_bindgen(method, js_name = setOption, catch)]
    fn set_option(this: &EchartsInstance, option: &JsValue) -> Result<(), JsValue>;

    #[wasm_bindgen(method)]
    fn resize(this: &EchartsInstance);

    #[wasm_bindgen(method)]
    fn dispose(this: &EchartsInstance);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Echarts,
    Number,
    Table,
}

/// The option as a JS object: charming's serialisation for the chart's shape, then each
/// series' points set as a `Float64Array`.
pub fn option_to_js(option: &ChartOption) -> Result<JsValue, String> {
    let js = serde_wasm_bindgen::to_value(&option.chart).map_err(|e| e.to_string())?;
    let series = js_sys::Reflect::get(&js, &JsValue::from_str("series")).map_err(|e| format!("{e:?}"))?;
    let set = |target: &JsValue, key: &str, value: &JsValue| {
        js_sys::Reflect::set(target, &JsValue::from_str(key), value).map(drop).map_err(|e| format!("{e:?}"))
    };
    for (index, points) in option.series_points.iter().enumerate() {
        if points.is_empty() {
            continue;
        }
        let one = js_sys::Reflect::get_u32(&series, index as u32).map_err(|e| format!("{e:?}"))?;
        set(&one, "data", &js_sys::Float64Array::from(points.as_slice()))?;
        // Interleaved pairs: tell ECharts each item has two numbers.
        set(&one, "dimensions", &js_sys::Array::of2(&"x".into(), &"y".into()))?;
        if points.len() / 2 > LARGE_POINTS {
            set(&one, "large", &JsValue::TRUE)?;
        }
    }
    if option.point_count() > LARGE_POINTS {
        set(&js, "animation", &JsValue::FALSE)?;
    }
    Ok(js)
}

#[component]
pub fn ChartView(
    #[prop(into)] spec: Signal<Option<ChartSpec>>,
    #[prop(into)] columns: Signal<Vec<ResultColumn>>,
    #[prop(into)] data: Signal<ResultData>,
    /// Told how long building and drawing the chart took (ms), each time it is drawn.
    #[prop(optional)]
    on_drawn: Option<Callback<f64>>,
) -> impl IntoView {
    let node = NodeRef::<Div>::new();
    let instance = StoredValue::new_local(None::<EchartsInstance>);
    // The option last drawn, to draw again with the SVG renderer for an SVG export.
    let drawn_option = StoredValue::new_local(None::<JsValue>);
    let render_error = RwSignal::new(None::<String>);
    let note = RwSignal::new(None::<String>);
    let kind = Memo::new(move |_| spec.with(|s| s.as_ref().map_or(ChartKind::Table, |s| s.kind)));
    // The markup only changes with the mode, so the ECharts node survives a switch from line to
    // bar and is never shared with nodes Leptos manages. The branch below reads nothing but
    // `mode`: a closure that also read `kind` would depend on it twice and could miss a change.
    let mode = Memo::new(move |_| match kind.get() {
        kind if uses_echarts(kind) => Mode::Echarts,
        ChartKind::BigNumber => Mode::Number,
        _ => Mode::Table,
    });

    Effect::new(move |_| {
        let started = now_ms();
        let option = spec.with(|spec| {
            columns.with(|columns| data.with(|data| spec.as_ref().and_then(|spec| echarts_option(spec, columns, data))))
        });
        dispose(instance);
        render_error.set(None);
        note.set(option.as_ref().and_then(|o| o.note.clone()));
        // Effects run after the DOM update, so the node exists by now when the mode draws.
        let (Some(option), Some(element)) = (option, node.get()) else { return };
        let drawn = option_to_js(&option).and_then(|js| {
            let chart = echarts_init(&element).map_err(|e| format!("{e:?}"))?;
            let set = chart.set_option(&js).map_err(|e| format!("{e:?}"));
            instance.try_set_value(Some(chart));
            drawn_option.try_set_value(Some(js));
            set
        });
        match drawn {
            Ok(()) => {
                if let Some(on_drawn) = on_drawn {
                    on_drawn.run(now_ms() - started);
                }
            }
            Err(error) => render_error.set(Some(error)),
        }
    });

    let resize = window_event_listener(leptos::ev::resize, move |_| {
        instance.try_with_value(|chart| chart.as_ref().map(EchartsInstance::resize));
    });
    on_cleanup(move || {
        resize.remove();
        dispose(instance);
    });

    let export_error = RwSignal::new(None::<String>);
    let export_png = move |_| {
        let saved = instance.with_value(|chart| match chart {
            Some(chart) => {
                let options =
                    js_object(&[("type", "png".into()), ("pixelRatio", 2.into()), ("backgroundColor", "#fff".into())]);
                download_url("vizkraft-chart.png", &chart.get_data_url(&options))
            }
            None => Err("there is no chart to export".to_owned()),
        });
        export_error.set(saved.err());
    };
    let export_svg = move |_| {
        let saved = match (drawn_option.get_value(), node.get_untracked()) {
            (Some(option), Some(element)) => svg_of(&option, &element)
                .and_then(|svg| download_pieces("vizkraft-chart.svg", "image/svg+xml", std::iter::once(svg))),
            _ => Err("there is no chart to export".to_owned()),
        };
        export_error.set(saved.err());
    };

    let slug = move || kind_slug(kind.get());
    let number = move || {
        spec.with(|spec| {
            columns.with(|columns| {
                data.with(|data| spec.as_ref().and_then(|spec| big_number(spec, columns, &data.sample_rows(1))))
            })
        })
    };
    view! {
        {move || match mode.get() {
            Mode::Echarts => view! {
                <div class="chart" node_ref=node data-testid="chart" data-chart-kind=slug role="img"></div>
                <div class="chart-exports">
                    <span class="muted small">"Save chart as"</span>
                    <button type="button" class="button secondary small" data-testid="export-png" on:click=export_png>"PNG"</button>
                    <button type="button" class="button secondary small" data-testid="export-svg" on:click=export_svg>"SVG"</button>
                </div>
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
        {move || note.get().map(|text| view! { <p class="muted small chart-note" data-testid="chart-note">{text}</p> })}
        {move || render_error.get().map(|message| view! {
            <p class="note">"The chart could not be drawn: " {message}</p>
        })}
        {move || export_error.get().map(|message| view! {
            <p class="note">"The chart could not be saved: " {message}</p>
        })}
    }
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// A plain JS object of `entries`.
fn js_object(entries: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in entries {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// The chart as SVG: `option` drawn once more by ECharts' SVG renderer, at the size of the
/// chart on screen, on a detached node that is disposed at once.
fn svg_of(option: &JsValue, shown: &web_sys::Element) -> Result<String, String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let node = document.create_element("div").map_err(|e| format!("{e:?}"))?;
    let size = shown.get_bounding_client_rect();
    let options = js_object(&[
        ("renderer", "svg".into()),
        ("width", size.width().max(320.0).into()),
        ("height", size.height().max(240.0).into()),
    ]);
    let chart = echarts_init_with(&node, &JsValue::NULL, &options).map_err(|e| format!("{e:?}"))?;
    // No animation: the SVG must hold the finished chart.
    let _ = js_sys::Reflect::set(option, &JsValue::from_str("animation"), &JsValue::FALSE);
    let svg = chart.set_option(option).map(|()| chart.render_to_svg_string()).map_err(|e| format!("{e:?}"));
    chart.dispose();
    svg
}

/// Frees the ECharts instance, if any. `try_` because cleanup may run after the stored value
/// itself was disposed with its owner.
fn dispose(instance: StoredValue<Option<EchartsInstance>, LocalStorage>) {
    if let Some(Some(chart)) = instance.try_update_value(Option::take) {
        chart.dispose();
    }
}
