//! One tile of a dashboard. A chart tile runs its saved query live, once it is on screen and
//! its turn in the tile queue comes, shows its own query and drawing times, and fails on its
//! own. In the editor a tile can be moved, resized and removed, a text tile rewritten, and a
//! chart tile told which filters apply to which of its columns.

use std::collections::BTreeSet;

use leptos::prelude::*;
use vizkraft_domain::api::dashboards::FilterValues;
use vizkraft_domain::api::dashboards::{
    DashboardDefinition, DashboardFilter, SharedChart, TileContent, TileRunRequest,
};

use super::editor;
use super::queue::TileQueue;
use crate::api::{self, ClientError, TileSource};
use crate::components::{ChartView, ErrorMessage};
use crate::state::{LiveResult, RunSlot, RunStatus};

/// What every tile of one dashboard view shares.
#[derive(Clone, Copy)]
pub struct TileContext {
    pub source: StoredValue<TileSource>,
    pub values: RwSignal<FilterValues>,
    pub refresh: RwSignal<u64>,
    pub editing: RwSignal<bool>,
    pub draft: RwSignal<DashboardDefinition>,
    pub filters: Memo<Vec<DashboardFilter>>,
    pub queue: StoredValue<TileQueue, LocalStorage>,
    /// A print is being prepared: every chart tile of the tab runs, on screen or not.
    pub printing: RwSignal<bool>,
    /// The chart tiles whose latest run has ended (drawn, failed or cancelled).
    pub settled: RwSignal<BTreeSet<String>>,
}

#[component]
pub fn DashboardTile(
    tile_id: String,
    /// For a chart tile: its saved chart (`None` if it was deleted since).
    chart: Option<Option<SharedChart>>,
    /// Whether the relay knows this tile yet: a tile added in the editor runs once saved.
    saved: bool,
    style: Signal<String>,
    context: TileContext,
    /// A drag starts: `(resize, clientX, clientY)`.
    on_grab: Callback<(bool, f64, f64)>,
) -> impl IntoView {
    let TileContext { editing, draft, .. } = context;
    let node = NodeRef::<leptos::html::Div>::new();
    let id = StoredValue::new(tile_id.clone());
    let content = match chart {
        None => text_tile(id, draft, editing).into_any(),
        Some(chart) if saved => chart_tile(id, chart, node, context).into_any(),
        Some(chart) => {
            let name = chart.map(|c| c.name).unwrap_or_default();
            view! {
                <div class="tile-head"><strong>{name}</strong></div>
                <p class="muted small">"Save the dashboard to run this chart."</p>
                <Show when=move || editing.get()><TileBindings id=id context=context columns=Signal::stored(Vec::new()) /></Show>
            }
            .into_any()
        }
    };
    view! {
        <div class="tile card" style=style node_ref=node data-testid="dashboard-tile" data-tile-id=tile_id>
            <Show when=move || editing.get()>
                <div class="tile-move" data-testid="tile-move" title="Drag to move"
                    on:pointerdown=move |ev| { ev.prevent_default(); on_grab.run((false, f64::from(ev.client_x()), f64::from(ev.client_y()))) }>"⠿ move"</div>
                <button type="button" class="tile-remove" data-testid="tile-remove" title="Remove this tile"
                    on:click=move |_| draft.update(|d| editor::remove_tile(d, &id.get_value()))>"×"</button>
                <div class="tile-resize" data-testid="tile-resize" title="Drag to resize"
                    on:pointerdown=move |ev| { ev.prevent_default(); on_grab.run((true, f64::from(ev.client_x()), f64::from(ev.client_y()))) }></div>
            </Show>
            {content}
        </div>
    }
}

fn text_tile(id: StoredValue<String>, draft: RwSignal<DashboardDefinition>, editing: RwSignal<bool>) -> impl IntoView {
    let markdown = Memo::new(move |_| {
        draft
            .with(|d| {
                d.tiles.iter().find(|t| t.id == id.get_value()).and_then(|t| match &t.content {
                    TileContent::Text { markdown } => Some(markdown.clone()),
                    TileContent::Chart { .. } => None,
                })
            })
            .unwrap_or_default()
    });
    view! {
        <Show when=move || editing.get()
            fallback=move || view! { <div class="tile-text">{move || markdown_view(&markdown.get())}</div> }>
            <textarea class="tile-text-editor" data-testid="tile-text-editor" prop:value=move || markdown.get_untracked()
                on:change=move |ev| draft.update(|d| editor::set_markdown(d, &id.get_value(), event_target_value(&ev)))></textarea>
        </Show>
    }
}

fn chart_tile(
    id: StoredValue<String>,
    chart: Option<SharedChart>,
    node: NodeRef<leptos::html::Div>,
    context: TileContext,
) -> impl IntoView {
    let TileContext { source, values, refresh, editing, queue, printing, settled, .. } = context;
    let visible = when_visible(node);
    Effect::new(move |_| {
        if printing.get() && !visible.get_untracked() {
            visible.set(true);
        }
    });
    let result = LiveResult::new();
    let drawn_ms = RwSignal::new(None::<f64>);
    // Runs waiting for a turn in the tile queue, not yet asking the relay (a replaced run may
    // still be waiting beside the current one).
    let queued = RwSignal::new(0_u32);
    let run = RunSlot::new();
    Effect::new(move |_| {
        refresh.track();
        let filters = values.get();
        // A tile below the fold runs once it scrolls into view.
        if !visible.get() {
            return;
        }
        drawn_ms.set(None);
        let (source, tile_id, queue) = (source.get_value(), id.get_value(), queue.get_value());
        result.run(run, String::new(), move |abort, on_event| async move {
            queued.try_update(|n| *n += 1);
            let _turn = queue.turn().await;
            queued.try_update(|n| *n = n.saturating_sub(1));
            if abort.aborted() {
                return Err(ClientError::Cancelled);
            }
            api::run_tile(&source, &tile_id, &TileRunRequest { filters }, &abort, on_event).await
        });
    });
    Effect::new(move |_| {
        let ended = matches!(
            result.status.get(),
            RunStatus::Finished { .. } | RunStatus::Failed(_) | RunStatus::Cancelled { .. }
        );
        let tile = id.get_value();
        if settled.with_untracked(|s| s.contains(&tile)) != ended {
            settled.update(|s| {
                if ended {
                    s.insert(tile);
                } else {
                    s.remove(&tile);
                }
            });
        }
    });
    on_cleanup(move || {
        if let Some(tile) = id.try_get_value() {
            settled.try_update(|s| s.remove(&tile));
        }
    });
    let spec = Signal::derive({
        let spec = chart.as_ref().map(|c| c.chart.clone());
        move || matches!(result.status.get(), RunStatus::Finished { .. }).then(|| spec.clone()).flatten()
    });
    let name = chart.map(|c| c.name).unwrap_or_else(|| "(a chart that was deleted)".to_owned());
    let columns = Signal::derive(move || result.columns.with(|c| c.iter().map(|c| c.name.clone()).collect()));
    view! {
        <div class="tile-head">
            <strong>{name}</strong>
            <span class="muted small" data-testid="tile-status">{move || match result.status.get() {
                RunStatus::Running { .. } | RunStatus::Idle if queued.get() > 0 => "Waiting for its turn…".to_owned(),
                RunStatus::Running { .. } | RunStatus::Idle => "Running…".to_owned(),
                RunStatus::Finished { row_count, elapsed_ms, .. } => match drawn_ms.get() {
                    Some(drawn) => format!("{row_count} rows · query {elapsed_ms} ms · drawn in {drawn:.0} ms"),
                    None => format!("{row_count} rows · query {elapsed_ms} ms"),
                },
                RunStatus::Cancelled { .. } => "Cancelled".to_owned(),
                RunStatus::Failed(_) => "Failed".to_owned(),
            }}</span>
        </div>
        <Show when=move || editing.get()><TileBindings id=id context=context columns=columns /></Show>
        {move || match result.status.get() {
            RunStatus::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
            _ => view! {
                <ChartView spec=spec columns=result.columns data=result.data
                    on_drawn=Callback::new(move |ms| drawn_ms.set(Some(ms))) />
            }.into_any(),
        }}
    }
}

/// Which dashboard filters apply to this chart, and on which of its result columns.
#[component]
fn TileBindings(id: StoredValue<String>, context: TileContext, columns: Signal<Vec<String>>) -> impl IntoView {
    let TileContext { draft, filters, .. } = context;
    let list_id = format!("columns-{}", id.get_value());
    view! {
        <div class="tile-bindings small" data-testid="tile-bindings">
            <datalist id=list_id.clone()>
                {move || columns.get().into_iter().map(|c| view! { <option value=c></option> }).collect_view()}
            </datalist>
            {move || filters.get().into_iter().map(|filter| {
                let filter_id = StoredValue::new(filter.id.clone());
                let column = move || draft.with(|d| editor::binding(d, &id.get_value(), &filter_id.get_value()));
                let typed = RwSignal::new(column().unwrap_or_default());
                let bind = move |on: bool| {
                    let name = typed.get_untracked();
                    let name = (on && !name.trim().is_empty()).then_some(name);
                    draft.update(|d| editor::bind(d, &id.get_value(), &filter_id.get_value(), name.as_deref()));
                };
                view! {
                    <label class="check" data-testid="tile-binding" data-filter-id=filter.id.clone()>
                        <input type="checkbox" data-testid="tile-binding-on" prop:checked=move || column().is_some()
                            on:change=move |ev| bind(event_target_checked(&ev)) />
                        {format!("{} on column ", filter.label)}
                        <input type="text" class="binding-column" data-testid="tile-binding-column" list=list_id.clone()
                            prop:value=move || typed.get()
                            on:change=move |ev| { typed.set(event_target_value(&ev)); bind(true) } />
                    </label>
                }
            }).collect_view()}
        </div>
    }
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
