//! A dashboard on screen, for members and for share-link visitors alike: tabs, filters, and
//! tiles on a 12-column grid. Each chart tile runs its saved query live with the filter
//! values, a few at a time. The tab and filter values live in the address (`address`), so a
//! link opens exactly that view. Editors change it all in place (`editor`) and save.

mod address;
mod editor;
mod queue;
mod tile;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use leptos::prelude::*;
use vizkraft_domain::api::dashboards::{
    DashboardDefinition, DashboardFilter, DashboardRequest, FilterKind, FilterValue, FilterValues, SharedChart,
    TileContent,
};
use vizkraft_domain::layout::{Place, GRID_COLUMNS};

pub use address::{address_filter_values, address_query_value, value_text};
use address::{set_query, view_state_from_query, view_state_to_query};
use editor::Drag;
use queue::TileQueue;
use tile::{DashboardTile, TileContext};

use crate::api::TileSource;

/// Timed refresh choices, in minutes; 0 is off.
const REFRESH_MINUTES: [u32; 4] = [0, 1, 5, 15];

/// How long a print waits after the last tile finished: ECharts animates a chart in for a second.
const PRINT_AFTER_DRAWING: Duration = Duration::from_millis(1_200);

#[component]
pub fn DashboardView(
    name: String,
    definition: DashboardDefinition,
    /// Each chart tile's saved chart, by chart id; for editors, every chart they can add.
    charts: BTreeMap<String, SharedChart>,
    /// Filter values the viewer cannot change (a share link's locked filters).
    #[prop(optional)]
    locked: FilterValues,
    source: TileSource,
    /// Query-string pairs to keep in the address (the dashboard's id).
    #[prop(optional)]
    keep_in_address: Vec<(String, String)>,
    /// Editors get an edit mode (name, tabs, tiles, filters, layout) and save with this;
    /// `None` for a view that cannot change. The view stays in edit mode until it is given
    /// the saved dashboard anew.
    on_save: Option<Callback<DashboardRequest>>,
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

    // The definition on screen: the saved one, or the editor's draft of the next.
    let saved = StoredValue::new((name.clone(), definition.clone()));
    let draft_name = RwSignal::new(name);
    let draft = RwSignal::new(definition);
    let editing = RwSignal::new(false);
    let tabs = Memo::new(move |_| draft.with(|d| d.tabs.clone()));
    let filters = Memo::new(move |_| draft.with(|d| d.filters.clone()));
    let tile_keys = Memo::new(move |_| draft.with(|d| d.tiles.iter().map(|t| t.id.clone()).collect::<Vec<_>>()));
    Effect::new(move |_| {
        let last = tabs.with(Vec::len).saturating_sub(1);
        if tab.get_untracked() > last {
            tab.set(last);
        }
    });
    let printing = RwSignal::new(false);
    let settled = RwSignal::new(BTreeSet::<String>::new());
    let context = TileContext {
        source: StoredValue::new(source),
        values,
        refresh,
        editing,
        draft,
        filters,
        queue: StoredValue::new_local(TileQueue::default()),
        printing,
        settled,
    };
    // A print first runs every chart tile of the tab, below the fold too, and waits for them:
    // a tile never scrolled to would print empty.
    let print_scheduled = StoredValue::new(false);
    Effect::new(move |_| {
        if !printing.get() || print_scheduled.get_value() {
            return;
        }
        let on_tab = tab.get();
        // The tiles on screen that run: on this tab, charts, and saved (a tile added in the
        // editor runs once saved).
        let waiting = draft.with(|d| {
            settled.with(|done| {
                d.tiles.iter().any(|t| {
                    t.tab == on_tab
                        && matches!(t.content, TileContent::Chart { .. })
                        && saved.with_value(|(_, s)| s.tiles.iter().any(|known| known.id == t.id))
                        && !done.contains(&t.id)
                })
            })
        });
        if waiting {
            return;
        }
        print_scheduled.set_value(true);
        set_timeout(
            move || {
                if let Some(window) = web_sys::window() {
                    let _ = window.print();
                }
                // The view may have gone while the print was prepared.
                print_scheduled.try_set_value(false);
                printing.try_set(false);
            },
            PRINT_AFTER_DRAWING,
        );
    });

    let grid = NodeRef::<leptos::html::Div>::new();
    let drag = StoredValue::new(None::<Drag>);
    let move_listener = window_event_listener(leptos::ev::pointermove, move |ev| {
        let Some(Some(tiles)) = drag.try_update_value(|d| {
            let d = d.as_mut()?;
            let (cell_w, cell_h) = cell_size(&grid.get_untracked()?);
            let dx = ((f64::from(ev.client_x()) - d.start_x) / cell_w).round() as i64;
            let dy = ((f64::from(ev.client_y()) - d.start_y) / cell_h).round() as i64;
            d.step(dx, dy)
        }) else {
            return;
        };
        draft.update(|d| d.tiles = tiles);
    });
    let up_listener = window_event_listener(leptos::ev::pointerup, move |_| drag.set_value(None));
    on_cleanup(move || {
        move_listener.remove();
        up_listener.remove();
    });
    let grab = move |id: &str, resize: bool, start_x: f64, start_y: f64| {
        let from = draft.with_untracked(|d| d.tiles.clone());
        if let Some(tile) = from.iter().position(|t| t.id == id) {
            drag.set_value(Some(Drag { tile, resize, start_x, start_y, from, cells: (0, 0) }));
        }
    };
    let charts = StoredValue::new(charts);
    let locked = StoredValue::new(locked);
    let cancel = move || {
        let (name, definition) = saved.get_value();
        draft_name.set(name);
        draft.set(definition);
        editing.set(false);
    };
    view! {
        <section class="dashboard stack" data-testid="dashboard">
            <div class="dashboard-head">
                <h1 data-testid="dashboard-name">{move || draft_name.get()}</h1>
                <span class="spacer"></span>
                <label class="muted small no-print">"Refresh every "
                    <select data-testid="dashboard-refresh-every"
                        on:change=move |ev| refresh_minutes.set(event_target_value(&ev).parse().unwrap_or(0))>
                        {REFRESH_MINUTES.iter().map(|m| view! {
                            <option value=m.to_string()>{if *m == 0 { "never".to_owned() } else { format!("{m} min") }}</option>
                        }).collect_view()}
                    </select>
                </label>
                <button type="button" class="button secondary small no-print" data-testid="dashboard-refresh"
                    on:click=move |_| refresh.update(|n| *n += 1)>"Refresh"</button>
                <button type="button" class="button secondary small no-print" data-testid="dashboard-print"
                    title="The print layout of this tab: choose “Save as PDF” as the printer"
                    disabled=move || printing.get()
                    on:click=move |_| printing.set(true)>
                    {move || if printing.get() { "Preparing the print…" } else { "Print or PDF" }}
                </button>
                {on_save.map(|on_save| view! {
                    <Show when=move || editing.get()
                        fallback=move || view! {
                            <button type="button" class="button secondary small no-print" data-testid="dashboard-edit"
                                on:click=move |_| editing.set(true)>"Edit"</button>
                        }>
                        <button type="button" class="button primary small" data-testid="dashboard-save"
                            on:click=move |_| on_save.run(DashboardRequest { name: draft_name.get_untracked(), definition: draft.get_untracked() })>"Save"</button>
                        <button type="button" class="button secondary small" data-testid="dashboard-cancel"
                            on:click=move |_| cancel()>"Cancel"</button>
                    </Show>
                })}
            </div>
            <Show when=move || editing.get()>
                <EditorBar name=draft_name draft=draft filters=filters tab=tab charts=charts />
            </Show>
            <Show when=move || !filters.with(Vec::is_empty)>
                <div class="dashboard-filters card" data-testid="dashboard-filters">
                    <For each=move || filters.get() key=|f| f.clone() let:filter>
                        <FilterInput filter=filter values=values locked=locked.get_value() />
                    </For>
                </div>
            </Show>
            <Show when=move || editing.get() || tabs.with(|t| t.len() > 1)>
                <div class="chart-switcher" role="tablist" data-testid="dashboard-tabs">
                    {move || tabs.get().into_iter().enumerate().map(|(i, label)| view! {
                        <button type="button" class="switch" role="tab" class:active=move || tab.get() == i
                            data-testid=format!("dashboard-tab-{i}") on:click=move |_| tab.set(i)>{label}</button>
                    }).collect_view()}
                </div>
            </Show>
            <div class="dashboard-grid" class:editing=move || editing.get() node_ref=grid>
                <For each=move || tile_keys.get() key=|id| id.clone() let:tile_id>
                    {
                        let id = StoredValue::new(tile_id.clone());
                        let on_tab = move || draft.with(|d| d.tiles.iter().find(|t| t.id == id.get_value()).map(|t| t.tab)) == Some(tab.get());
                        let style = Signal::derive(move || draft.with(|d| {
                            d.tiles.iter().find(|t| t.id == id.get_value()).map(|t| place_style(&Place::of(t))).unwrap_or_default()
                        }));
                        let chart = draft.with_untracked(|d| d.tiles.iter().find(|t| t.id == tile_id).and_then(|t| match &t.content {
                            TileContent::Chart { chart_id, .. } => Some(charts.with_value(|c| c.get(chart_id).cloned())),
                            TileContent::Text { .. } => None,
                        }));
                        let known = saved.with_value(|(_, d)| d.tiles.iter().any(|t| t.id == tile_id));
                        view! {
                            <Show when=on_tab>
                                <DashboardTile tile_id=id.get_value() chart=chart.clone() saved=known style=style context=context
                                    on_grab=Callback::new(move |(resize, x, y)| grab(&id.get_value(), resize, x, y)) />
                            </Show>
                        }
                    }
                </For>
            </div>
        </section>
    }
}

/// The editor's tools: the dashboard's and the current tab's names, tabs added and removed,
/// tiles added, filters added and removed. Tiles are moved, resized and removed on the grid.
#[component]
fn EditorBar(
    name: RwSignal<String>,
    draft: RwSignal<DashboardDefinition>,
    filters: Memo<Vec<DashboardFilter>>,
    tab: RwSignal<usize>,
    charts: StoredValue<BTreeMap<String, SharedChart>>,
) -> impl IntoView {
    let chart_choice = RwSignal::new(String::new());
    let filter_label = RwSignal::new(String::new());
    let filter_kind = RwSignal::new(FilterKind::Category);
    let note = RwSignal::new(None::<&'static str>);
    let tab_name = move || draft.with(|d| d.tabs.get(tab.get()).cloned().unwrap_or_default());
    view! {
        <div class="card stack editor-bar no-print" data-testid="dashboard-editor">
            <div class="editor-row">
                <span class="editor-row-label">"Dashboard"</span>
                <input type="text" aria-label="Dashboard name" data-testid="dashboard-rename" prop:value=move || name.get()
                    on:change=move |ev| name.set(event_target_value(&ev)) />
                <span class="editor-row-label">"This tab"</span>
                <input type="text" aria-label="This tab’s name" data-testid="tab-name" prop:value=tab_name
                    on:change=move |ev| draft.update(|d| editor::rename_tab(d, tab.get_untracked(), &event_target_value(&ev))) />
                <button type="button" class="button secondary small" data-testid="tab-remove"
                    on:click=move |_| {
                        let removed = draft.try_update(|d| editor::remove_tab(d, tab.get_untracked())).unwrap_or(false);
                        note.set((!removed).then_some("Only an empty tab can be removed, and one tab always stays."));
                    }>"Remove this tab"</button>
                <button type="button" class="button secondary small" data-testid="tab-add"
                    on:click=move |_| { let added = draft.try_update(editor::add_tab); if let Some(i) = added { tab.set(i) } }>"Add a tab"</button>
            </div>
            <div class="editor-row">
                <span class="editor-row-label">"Tiles"</span>
                <select aria-label="A saved chart" data-testid="tile-chart-choice" on:change=move |ev| chart_choice.set(event_target_value(&ev))>
                    <option value="">"Choose a saved chart…"</option>
                    {charts.with_value(|c| c.iter().map(|(id, chart)| view! { <option value=id.clone()>{chart.name.clone()}</option> }).collect_view())}
                </select>
                <button type="button" class="button secondary small" data-testid="tile-add-chart"
                    disabled=move || chart_choice.with(String::is_empty)
                    on:click=move |_| draft.update(|d| { editor::add_chart_tile(d, tab.get_untracked(), &chart_choice.get_untracked()); })>"Add the chart"</button>
                <button type="button" class="button secondary small" data-testid="tile-add-text"
                    on:click=move |_| draft.update(|d| { editor::add_text_tile(d, tab.get_untracked()); })>"Add text"</button>
            </div>
            <div class="editor-row">
                <span class="editor-row-label">"Filters"</span>
                <input type="text" placeholder="A new filter’s label" aria-label="A new filter’s label" data-testid="filter-add-label"
                    prop:value=move || filter_label.get() on:input=move |ev| filter_label.set(event_target_value(&ev)) />
                <select aria-label="The new filter’s kind" data-testid="filter-add-kind" on:change=move |ev| filter_kind.set(match event_target_value(&ev).as_str() {
                    "number" => FilterKind::Number,
                    "date_range" => FilterKind::DateRange,
                    _ => FilterKind::Category,
                })>
                    <option value="category">"a category"</option>
                    <option value="number">"a number"</option>
                    <option value="date_range">"a date range"</option>
                </select>
                <button type="button" class="button secondary small" data-testid="filter-add"
                    disabled=move || filter_label.with(|l| l.trim().is_empty())
                    on:click=move |_| {
                        draft.update(|d| { editor::add_filter(d, &filter_label.get_untracked(), filter_kind.get_untracked()); });
                        filter_label.set(String::new());
                    }>"Add the filter"</button>
                {move || filters.get().into_iter().map(|f| {
                    let id = f.id.clone();
                    view! {
                        <button type="button" class="button secondary small" data-testid="filter-remove"
                            on:click=move |_| draft.update(|d| editor::remove_filter(d, &id))>{format!("Remove “{}”", f.label)}</button>
                    }
                }).collect_view()}
            </div>
            <p class="muted small">"Drag a tile’s head to move it and its corner to resize it; tick on each chart which filters apply to which column."</p>
            {move || note.get().map(|n| view! { <p class="small" role="status">{n}</p> })}
        </div>
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

fn place_style(place: &Place) -> String {
    format!("grid-column: {} / span {}; grid-row: {} / span {};", place.x + 1, place.w, place.y + 1, place.h)
}

/// One grid cell's width and height in pixels, gap included, as the style sheet lays the
/// grid out (`.dashboard-grid`).
fn cell_size(grid: &web_sys::HtmlDivElement) -> (f64, f64) {
    let style = web_sys::window().and_then(|w| w.get_computed_style(grid).ok().flatten());
    let pixels = |property: &str| {
        let value = style.as_ref()?.get_property_value(property).ok()?;
        value.trim().trim_end_matches("px").parse::<f64>().ok()
    };
    let (column_gap, row_gap) = (pixels("column-gap").unwrap_or(0.0), pixels("row-gap").unwrap_or(0.0));
    let row = pixels("grid-auto-rows").unwrap_or(100.0);
    let columns = f64::from(GRID_COLUMNS);
    let width = grid.get_bounding_client_rect().width();
    (((width - (columns - 1.0) * column_gap) / columns + column_gap).max(1.0), (row + row_gap).max(1.0))
}
