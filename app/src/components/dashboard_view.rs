//! A dashboard on screen, for members and for share-link visitors alike: tabs, filters, and
//! tiles on a 12-column grid. Each chart tile runs its saved query live with the filter
//! values, shows its own query time, and fails on its own. The tab and filter values live in
//! the address (`?tab=1&f.country=France`), so a link opens exactly that view.

use std::collections::BTreeMap;

use leptos::prelude::*;
use vizkraft_domain::api::dashboards::{
    DashboardDefinition, DashboardFilter, FilterKind, FilterValue, FilterValues, SharedChart, Tile, TileContent,
    TileRunRequest,
};

use crate::api::{self, TileSource};
use crate::components::{ChartView, ErrorMessage};
use crate::state::{LiveResult, RunSlot, RunStatus};

/// Timed refresh choices, in minutes; 0 is off.
const REFRESH_MINUTES: [u32; 4] = [0, 1, 5, 15];

/// The tab and filter values read from a query string.
pub fn view_state_from_query(query: &str, filters: &[DashboardFilter]) -> (usize, FilterValues) {
    let mut tab = 0;
    let mut values = FilterValues::new();
    for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        if key == "tab" {
            tab = value.parse().unwrap_or(0);
        } else if let Some(id) = key.strip_prefix("f.") {
            let id = decode(id);
            let Some(filter) = filters.iter().find(|f| f.id == id) else { continue };
            let parsed = match filter.kind {
                FilterKind::Category => Some(FilterValue::Category(value)),
                FilterKind::Number => value.parse().ok().map(FilterValue::Number),
                FilterKind::DateRange => {
                    let (from, to) = value.split_once("..").unwrap_or((&value, ""));
                    let part = |s: &str| (!s.is_empty()).then(|| s.to_owned());
                    Some(FilterValue::DateRange { from: part(from), to: part(to) })
                }
            };
            if let Some(parsed) = parsed {
                values.insert(id, parsed);
            }
        }
    }
    (tab, values)
}

/// The query string for a tab and filter values; `extra` pairs (the dashboard id) come first.
pub fn view_state_to_query(extra: &[(&str, &str)], tab: usize, values: &FilterValues) -> String {
    let mut pairs: Vec<String> = extra.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if tab > 0 {
        pairs.push(format!("tab={tab}"));
    }
    for (id, value) in values {
        let text = match value {
            FilterValue::Category(text) => text.clone(),
            FilterValue::Number(number) => number.to_string(),
            FilterValue::DateRange { from, to } => {
                format!("{}..{}", from.as_deref().unwrap_or_default(), to.as_deref().unwrap_or_default())
            }
        };
        pairs.push(format!("f.{}={}", encode(id), encode(&text)));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// Percent-encodes all but the unreserved characters (RFC 3986).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Replaces the address's query string (and keeps its fragment: a share link's token).
fn set_query(query: &str) {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{query}{hash}")));
    }
}

#[component]
pub fn DashboardView(
    name: String,
    definition: DashboardDefinition,
    /// Each chart tile's saved chart, by chart id.
    charts: BTreeMap<String, SharedChart>,
    /// Filter values the viewer cannot change (a share link's locked filters).
    #[prop(optional)]
    locked: FilterValues,
    source: TileSource,
    /// Query-string pairs to keep in the address (the dashboard's id).
    #[prop(optional)]
    keep_in_address: Vec<(String, String)>,
    /// Editors get a layout mode: drag a tile's head to move it, its corner to resize it, then
    /// save; this is told the new definition. `None` for a view that cannot change.
    on_save_layout: Option<Callback<DashboardDefinition>>,
) -> impl IntoView {
    let query = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let (initial_tab, mut initial_values) = view_state_from_query(&query, &definition.filters);
    for (id, value) in &locked {
        initial_values.insert(id.clone(), value.clone());
    }
    let tab = RwSignal::new(initial_tab.min(definition.tabs.len().saturating_sub(1)));
    let values = RwSignal::new(initial_values);
    let refresh = RwSignal::new(0_u64);
    let refresh_minutes = RwSignal::new(0_u32);
    let timer = StoredValue::new(None::<IntervalHandle>);
    on_cleanup(move || {
        if let Some(Some(handle)) = timer.try_update_value(Option::take) {
            handle.clear();
        }
    });
    Effect::new(move |_| {
        let minutes = refresh_minutes.get();
        if let Some(Some(handle)) = timer.try_update_value(Option::take) {
            handle.clear();
        }
        if minutes > 0 {
            let every = std::time::Duration::from_secs(u64::from(minutes) * 60);
            if let Ok(handle) = set_interval_with_handle(move || refresh.update(|n| *n += 1), every) {
                timer.set_value(Some(handle));
            }
        }
    });
    // The address follows the view.
    Effect::new(move |_| {
        let extra: Vec<(&str, &str)> = keep_in_address.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        set_query(&values.with(|v| view_state_to_query(&extra, tab.get(), v)));
    });

    let tabs = definition.tabs.clone();
    let filters = definition.filters.clone();
    let tiles = definition.tiles.clone();
    let locked = StoredValue::new(locked);
    let layout = RwSignal::new(definition.tiles.iter().map(Place::of).collect::<Vec<_>>());
    let saved_layout = StoredValue::new(layout.get_untracked());
    let editing = RwSignal::new(false);
    let grid = NodeRef::<leptos::html::Div>::new();
    let drag = StoredValue::new(None::<Drag>);
    let move_listener = window_event_listener(leptos::ev::pointermove, move |ev| {
        let Some(drag) = drag.get_value() else { return };
        let Some((cell_w, cell_h)) = grid.get_untracked().map(|g| cell_size(&g)) else { return };
        let dx = ((f64::from(ev.client_x()) - drag.start_x) / cell_w).round() as i64;
        let dy = ((f64::from(ev.client_y()) - drag.start_y) / cell_h).round() as i64;
        layout.update(|places| {
            if let Some(place) = places.get_mut(drag.index) {
                *place = drag.moved(dx, dy);
            }
        });
    });
    let up_listener = window_event_listener(leptos::ev::pointerup, move |_| drag.set_value(None));
    on_cleanup(move || {
        move_listener.remove();
        up_listener.remove();
    });
    let grab = Callback::new(move |(index, resize, x, y): (usize, bool, f64, f64)| {
        if let Some(place) = layout.with_untracked(|p| p.get(index).copied()) {
            drag.set_value(Some(Drag { index, resize, start_x: x, start_y: y, from: place }));
        }
    });
    let definition_now = StoredValue::new(definition.clone());
    let save_layout = move || {
        let Some(on_save) = on_save_layout else { return };
        let mut definition = definition_now.get_value();
        layout.with_untracked(|places| {
            for (tile, place) in definition.tiles.iter_mut().zip(places) {
                (tile.x, tile.y, tile.w, tile.h) = (place.x, place.y, place.w, place.h);
            }
        });
        saved_layout.set_value(layout.get_untracked());
        definition_now.set_value(definition.clone());
        editing.set(false);
        on_save.run(definition);
    };
    view! {
        <section class="dashboard stack" data-testid="dashboard">
            <div class="dashboard-head">
                <h1 data-testid="dashboard-name">{name}</h1>
                <span class="spacer"></span>
                <label class="muted small">"Refresh every "
                    <select data-testid="dashboard-refresh-every"
                        on:change=move |ev| refresh_minutes.set(event_target_value(&ev).parse().unwrap_or(0))>
                        {REFRESH_MINUTES.iter().map(|m| view! {
                            <option value=m.to_string()>{if *m == 0 { "never".to_owned() } else { format!("{m} min") }}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" class="button secondary small" data-testid="dashboard-refresh"
                    on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
                {on_save_layout.is_some().then(|| view! {
                    <Show when=move || editing.get()
                        fallback=move || view! {
                            <button type="button" class="button secondary small" data-testid="dashboard-edit-layout"
                                on:click=move |_| editing.set(true)>"Edit layout"</button>
                        }>
                        <button type="button" class="button primary small" data-testid="dashboard-save-layout"
                            on:click=move |_| save_layout()>"Save layout"</button>
                        <button type="button" class="button secondary small" data-testid="dashboard-cancel-layout"
                            on:click=move |_| { layout.set(saved_layout.get_value()); editing.set(false); }>"Cancel"</button>
                    </Show>
                })}
            </div>
            {(!filters.is_empty()).then(|| view! {
                <div class="dashboard-filters card" data-testid="dashboard-filters">
                    {filters.into_iter().map(|filter| view! { <FilterInput filter=filter values=values locked=locked.get_value() /> }).collect_view()}
                </div>
            })}
            {(tabs.len() > 1).then(|| view! {
                <div class="chart-switcher" role="tablist" data-testid="dashboard-tabs">
                    {tabs.iter().enumerate().map(|(i, label)| view! {
                        <button type="button" class="switch" role="tab" class:active=move || tab.get() == i
                            data-testid=format!("dashboard-tab-{i}") on:click=move |_| tab.set(i)>{label.clone()}</button>
                    }).collect_view()}
                </div>
            })}
            <div class="dashboard-grid" class:editing=move || editing.get() node_ref=grid>
                {tiles.into_iter().enumerate().map(|(index, tile)| {
                    let shown = tile.tab;
                    let style = Signal::derive(move || layout.with(|p| p.get(index).map(Place::style).unwrap_or_default()));
                    let chart = match &tile.content {
                        TileContent::Chart { chart_id, .. } => charts.get(chart_id).cloned(),
                        TileContent::Text { .. } => None,
                    };
                    let source = source.clone();
                    view! {
                        <Show when=move || tab.get() == shown>
                            <DashboardTile tile=tile.clone() chart=chart.clone() source=source.clone() values=values refresh=refresh
                                style=style editing=editing on_grab=Callback::new(move |(resize, x, y)| grab.run((index, resize, x, y))) />
                        </Show>
                    }
                }).collect_view()}
            </div>
        </section>
    }
}

#[component]
fn FilterInput(filter: DashboardFilter, values: RwSignal<FilterValues>, locked: FilterValues) -> impl IntoView {
    let is_locked = locked.contains_key(&filter.id);
    let id = filter.id.clone();
    let set = move |value: Option<FilterValue>| {
        let id = id.clone();
        values.update(|v| match value {
            Some(value) => {
                v.insert(id, value);
            }
            None => {
                v.remove(&id);
            }
        })
    };
    let current = {
        let id = StoredValue::new(filter.id.clone());
        move || values.with(|v| id.with_value(|id| v.get(id).cloned()))
    };
    let testid = format!("filter-{}", filter.id);
    let input = match filter.kind {
        FilterKind::Category | FilterKind::Number => {
            let number = filter.kind == FilterKind::Number;
            let shown = move || match current() {
                Some(FilterValue::Category(text)) => text,
                Some(FilterValue::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            view! {
                <input type=if number { "number" } else { "text" } data-testid=testid disabled=is_locked
                    prop:value=shown
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        set(match (text.trim().is_empty(), number) {
                            (true, _) => None,
                            (false, true) => text.trim().parse().ok().map(FilterValue::Number),
                            (false, false) => Some(FilterValue::Category(text)),
                        })
                    } />
            }
            .into_any()
        }
        FilterKind::DateRange => {
            let end = move |from: bool| {
                move || match current() {
                    Some(FilterValue::DateRange { from: f, to: t }) => if from { f } else { t }.unwrap_or_default(),
                    _ => String::new(),
                }
            };
            let change = move |from: bool, text: String| {
                let (mut f, mut t) = match current() {
                    Some(FilterValue::DateRange { from, to }) => (from, to),
                    _ => (None, None),
                };
                let text = (!text.is_empty()).then_some(text);
                if from {
                    f = text
                } else {
                    t = text
                }
                set((f.is_some() || t.is_some()).then_some(FilterValue::DateRange { from: f, to: t }));
            };
            let change_to = change.clone();
            view! {
                <input type="date" data-testid=format!("{testid}-from") disabled=is_locked prop:value=end(true)
                    on:change=move |ev| change(true, event_target_value(&ev)) />
                <span class="muted">"to"</span>
                <input type="date" data-testid=format!("{testid}-to") disabled=is_locked prop:value=end(false)
                    on:change=move |ev| change_to(false, event_target_value(&ev)) />
            }
            .into_any()
        }
    };
    view! {
        <label class="dashboard-filter">
            <span class="field-label">{filter.label} {is_locked.then_some(" (locked)")}</span>
            {input}
        </label>
    }
}

#[component]
fn DashboardTile(
    tile: Tile,
    chart: Option<SharedChart>,
    source: TileSource,
    values: RwSignal<FilterValues>,
    refresh: RwSignal<u64>,
    style: Signal<String>,
    editing: RwSignal<bool>,
    /// A drag starts: `(resize, clientX, clientY)`.
    on_grab: Callback<(bool, f64, f64)>,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    let visible = when_visible(node);
    let content = match tile.content {
        TileContent::Text { markdown } => view! { <div class="tile-text">{markdown_view(&markdown)}</div> }.into_any(),
        TileContent::Chart { .. } => {
            let result = LiveResult::new();
            let drawn_ms = RwSignal::new(None::<f64>);
            let run = RunSlot::new();
            let tile_id = tile.id.clone();
            Effect::new(move |_| {
                refresh.track();
                let filters = values.get();
                // A tile below the fold runs once it scrolls into view.
                if !visible.get() {
                    return;
                }
                drawn_ms.set(None);
                let (source, tile_id) = (source.clone(), tile_id.clone());
                result.run(run, String::new(), move |abort, on_event| async move {
                    api::run_tile(&source, &tile_id, &TileRunRequest { filters }, &abort, on_event).await
                });
            });
            let spec = Signal::derive({
                let spec = chart.as_ref().map(|c| c.chart.clone());
                move || matches!(result.status.get(), RunStatus::Finished { .. }).then(|| spec.clone()).flatten()
            });
            let name = chart.map(|c| c.name).unwrap_or_else(|| "(a chart that was deleted)".to_owned());
            view! {
                <div class="tile-head">
                    <strong>{name}</strong>
                    <span class="muted small" data-testid="tile-status">{move || match result.status.get() {
                        RunStatus::Running { .. } | RunStatus::Idle => "Running…".to_owned(),
                        RunStatus::Finished { row_count, elapsed_ms, .. } => match drawn_ms.get() {
                            Some(drawn) => format!("{row_count} rows · query {elapsed_ms} ms · drawn in {drawn:.0} ms"),
                            None => format!("{row_count} rows · query {elapsed_ms} ms"),
                        },
                        RunStatus::Cancelled { .. } => "Cancelled".to_owned(),
                        RunStatus::Failed(_) => "Failed".to_owned(),
                    }}</span>
                </div>
                {move || match result.status.get() {
                    RunStatus::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                    _ => view! {
                        <ChartView spec=spec columns=result.columns data=result.data
                            on_drawn=Callback::new(move |ms| drawn_ms.set(Some(ms))) />
                    }.into_any(),
                }}
            }
            .into_any()
        }
    };
    view! {
        <div class="tile card" style=style node_ref=node data-testid="dashboard-tile" data-tile-id=tile.id>
            <Show when=move || editing.get()>
                <div class="tile-move" data-testid="tile-move" title="Drag to move"
                    on:pointerdown=move |ev| { ev.prevent_default(); on_grab.run((false, f64::from(ev.client_x()), f64::from(ev.client_y()))) }>"⠿ move"</div>
                <div class="tile-resize" data-testid="tile-resize" title="Drag to resize"
                    on:pointerdown=move |ev| { ev.prevent_default(); on_grab.run((true, f64::from(ev.client_x()), f64::from(ev.client_y()))) }></div>
            </Show>
            {content}
        </div>
    }
}

/// A tile's place on the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Place {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

impl Place {
    fn of(tile: &Tile) -> Place {
        Place { x: tile.x, y: tile.y, w: tile.w, h: tile.h }
    }

    fn style(&self) -> String {
        format!("grid-column: {} / span {}; grid-row: {} / span {};", self.x + 1, self.w, self.y + 1, self.h)
    }
}

/// A drag in progress: which tile, moving or resizing, from where.
#[derive(Debug, Clone, Copy)]
struct Drag {
    index: usize,
    resize: bool,
    start_x: f64,
    start_y: f64,
    from: Place,
}

impl Drag {
    /// The tile's place after moving the pointer by whole cells, kept on the 12-column grid.
    fn moved(&self, dx: i64, dy: i64) -> Place {
        let Place { x, y, w, h } = self.from;
        let clamp = |value: i64, low: i64, high: i64| value.clamp(low, high.max(low)) as u32;
        if self.resize {
            Place { x, y, w: clamp(i64::from(w) + dx, 1, 12 - i64::from(x)), h: clamp(i64::from(h) + dy, 1, 40) }
        } else {
            Place { x: clamp(i64::from(x) + dx, 0, 12 - i64::from(w)), y: clamp(i64::from(y) + dy, 0, 1_000), w, h }
        }
    }
}

/// One grid cell's width and height in pixels, gap included.
fn cell_size(grid: &web_sys::HtmlDivElement) -> (f64, f64) {
    let gap = 12.8;
    let width = grid.get_bounding_client_rect().width();
    (((width - 11.0 * gap) / 12.0 + gap).max(1.0), 110.0 + gap)
}

/// Becomes true once `node` has been on screen, so tiles below the fold do not query yet.
fn when_visible(node: NodeRef<leptos::html::Div>) -> RwSignal<bool> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let visible = RwSignal::new(false);
    let observer = StoredValue::new_local(None::<(web_sys::IntersectionObserver, Closure<dyn FnMut(js_sys::Array)>)>);
    Effect::new(move |_| {
        let Some(element) = node.get() else { return };
        let callback = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let seen =
                entries.iter().any(|e| e.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting());
            if seen {
                visible.set(true);
            }
        });
        match web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref()) {
            Ok(watcher) => {
                watcher.observe(&element);
                observer.set_value(Some((watcher, callback)));
            }
            // Without an observer, the tile runs at once.
            Err(_) => visible.set(true),
        }
    });
    // Once seen, the observer has done its work.
    Effect::new(move |_| {
        if visible.get() {
            if let Some(Some((watcher, _))) = observer.try_update_value(Option::take) {
                watcher.disconnect();
            }
        }
    });
    on_cleanup(move || {
        if let Some(Some((watcher, _))) = observer.try_update_value(Option::take) {
            watcher.disconnect();
        }
    });
    visible
}

/// A small, safe subset of Markdown: `#` headings and paragraphs, all as text nodes.
fn markdown_view(markdown: &str) -> impl IntoView {
    markdown
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let block = block.trim();
            match block.strip_prefix("# ").or_else(|| block.strip_prefix("## ")) {
                Some(heading) => view! { <h3>{heading.to_owned()}</h3> }.into_any(),
                None => view! { <p>{block.to_owned()}</p> }.into_any(),
            }
        })
        .collect_view()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drags_move_and_resize_within_the_grid() {
        let from = Place { x: 2, y: 1, w: 4, h: 3 };
        let moving = Drag { index: 0, resize: false, start_x: 0.0, start_y: 0.0, from };
        assert_eq!(moving.moved(3, 2), Place { x: 5, y: 3, w: 4, h: 3 });
        assert_eq!(moving.moved(20, -5), Place { x: 8, y: 0, w: 4, h: 3 }, "kept inside the grid");
        let resizing = Drag { resize: true, ..moving };
        assert_eq!(resizing.moved(-2, 1), Place { x: 2, y: 1, w: 2, h: 4 });
        assert_eq!(resizing.moved(-9, -9), Place { x: 2, y: 1, w: 1, h: 1 }, "never smaller than a cell");
        assert_eq!(resizing.moved(30, 0).w, 10, "never past the right edge");
    }

    #[test]
    fn the_view_state_reads_back_from_its_query_string() {
        let filters = vec![
            DashboardFilter { id: "country".into(), label: "Country".into(), kind: FilterKind::Category },
            DashboardFilter { id: "when".into(), label: "When".into(), kind: FilterKind::DateRange },
            DashboardFilter { id: "n".into(), label: "N".into(), kind: FilterKind::Number },
        ];
        let (tab, values) = view_state_from_query(
            "?id=d1&tab=2&f.country=S%C3%A3o%20Paulo&f.when=2024-01-01..&f.n=3.5&f.x=1",
            &filters,
        );
        assert_eq!(tab, 2);
        assert_eq!(values.get("country"), Some(&FilterValue::Category("São Paulo".into())));
        assert_eq!(values.get("when"), Some(&FilterValue::DateRange { from: Some("2024-01-01".into()), to: None }));
        assert_eq!(values.get("n"), Some(&FilterValue::Number(3.5)));
        assert_eq!(values.len(), 3, "unknown filters are ignored");
        let query = view_state_to_query(&[("id", "d1")], tab, &values);
        assert_eq!(view_state_from_query(&query, &filters), (tab, values));
    }
}
