//! Saved charts of the active organisation, each with its provenance (source, SQL, the schema
//! version it was built on, who saved and changed it when). Opening one runs its SQL live;
//! nothing of its result is kept. Editors duplicate and delete.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::charts::{SavedChart, SavedChartRequest};

use crate::api::{self, ClientError};
use crate::components::{format_timestamp, ChartView, DataTable, ErrorMessage, RunProgress};
use crate::state::{LiveResult, Remote, RunSlot};

#[component]
pub fn ChartsPage(
    /// The role may save charts (`Permission::SaveDashboards`).
    can_edit: bool,
) -> impl IntoView {
    let charts = RwSignal::new(Remote::<Vec<SavedChart>>::Loading);
    let action_error = RwSignal::new(None::<ClientError>);
    let opened = RwSignal::new(None::<SavedChart>);
    let confirm_delete = RwSignal::new(None::<String>);
    // The chart being edited: its id, and the name and SQL in the form.
    let editing = RwSignal::new(None::<(String, String, String)>);
    let result = LiveResult::new();
    let run = RunSlot::new();
    let now = RwSignal::new(js_sys::Date::now());

    let load = move || spawn_local(async move { charts.set(api::list_charts().await.map(|r| r.charts).into()) });
    load();
    let stop = move || run.stop();
    let open = move |chart: SavedChart| {
        let id = chart.id.clone();
        result.run(run, chart.sql.clone(), move |abort, on_event| async move {
            let ran = api::run_chart(&id, &abort, on_event).await;
            now.set(js_sys::Date::now());
            ran
        });
        opened.set(Some(chart));
    };
    let duplicate = move |id: String| {
        spawn_local(async move {
            match api::duplicate_chart(&id).await {
                Ok(_) => load(),
                Err(error) => action_error.set(Some(error)),
            }
        })
    };
    let delete = move |id: String| {
        spawn_local(async move {
            confirm_delete.set(None);
            match api::delete_chart(&id).await {
                Ok(()) => {
                    if opened.with_untracked(|o| o.as_ref().is_some_and(|c| c.id == id)) {
                        stop();
                        opened.set(None);
                        result.clear();
                    }
                    load();
                }
                Err(error) => action_error.set(Some(error)),
            }
        })
    };

    let save_edit = move |chart: SavedChart| {
        let Some((_, name, sql)) = editing.get_untracked() else { return };
        let request =
            SavedChartRequest { name, source_id: chart.source_id, question: chart.question, sql, chart: chart.chart };
        spawn_local(async move {
            match api::change_chart(&chart.id, &request).await {
                Ok(_) => {
                    editing.set(None);
                    action_error.set(None);
                    load();
                }
                Err(error) => action_error.set(Some(error)),
            }
        })
    };

    let spec = Signal::derive(move || opened.with(|c| c.as_ref().map(|c| c.chart.clone())));
    let rows_received = Signal::derive(move || result.data.with(|d| d.len()));

    view! {
        <section class="page stack">
            <h1>"Saved charts"</h1>
            <p class="muted">"Each chart keeps its question, SQL and settings; its rows are read live every time it is opened, and never stored."</p>
            {move || action_error.get().map(|error| view! { <ErrorMessage error=error /> })}
            {move || match charts.get() {
                Remote::Loading => view! { <p class="muted">"Loading saved charts…"</p> }.into_any(),
                Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                Remote::Ready(list) if list.is_empty() => view! {
                    <p class="muted" data-testid="charts-empty">"No saved charts yet. Ask a question, then save its chart."</p>
                }.into_any(),
                Remote::Ready(list) => view! {
                    <ul class="chart-list" data-testid="chart-list">
                        {list.into_iter().map(|chart| {
                            let (open_chart, id_dup, id_del, id_confirm) = (chart.clone(), chart.id.clone(), chart.id.clone(), chart.id.clone());
                            let (edit_chart, save_chart, id_editing) = (chart.clone(), chart.clone(), chart.id.clone());
                            let is_editing = move || editing.with(|e| e.as_ref().is_some_and(|(id, _, _)| *id == id_editing));
                            let id_delete = chart.id.clone();
                            let confirming = move || confirm_delete.with(|c| c.as_deref() == Some(id_confirm.as_str()));
                            view! {
                                <li class="card chart-item" data-testid="chart-item" data-chart-id=chart.id.clone()>
                                    <div class="chart-item-head">
                                        <strong data-testid="chart-name">{chart.name.clone()}</strong>
                                        <span class="muted small">{format!("{:?}", chart.chart.kind).to_lowercase()} " on " {chart.source_id.0.clone()}</span>
                                        <span class="spacer"></span>
                                        <button type="button" class="button primary small" data-testid="chart-open"
                                            on:click=move |_| open(open_chart.clone())>"Open"</button>
                                        {can_edit.then(|| view! {
                                            <button type="button" class="button secondary small" data-testid="chart-edit"
                                                on:click=move |_| editing.set(Some((edit_chart.id.clone(), edit_chart.name.clone(), edit_chart.sql.clone())))>"Edit"</button>
                                            <button type="button" class="button secondary small" data-testid="chart-duplicate"
                                                on:click=move |_| duplicate(id_dup.clone())>"Duplicate"</button>
                                            <button type="button" class="button secondary small" data-testid="chart-delete"
                                                on:click=move |_| confirm_delete.set(Some(id_del.clone()))>"Delete"</button>
                                        })}
                                    </div>
                                    <Show when=is_editing.clone()>
                                        {
                                            let save_chart = save_chart.clone();
                                            view! {
                                                <form class="stack chart-edit" on:submit=move |ev| { ev.prevent_default(); save_edit(save_chart.clone()); }>
                                                    <input type="text" data-testid="chart-edit-name"
                                                        prop:value=move || editing.with(|e| e.as_ref().map(|(_, n, _)| n.clone()).unwrap_or_default())
                                                        on:input=move |ev| editing.update(|e| if let Some(e) = e { e.1 = event_target_value(&ev) }) />
                                                    <textarea rows="4" class="sql-editor" data-testid="chart-edit-sql" spellcheck="false"
                                                        prop:value=move || editing.with(|e| e.as_ref().map(|(_, _, q)| q.clone()).unwrap_or_default())
                                                        on:input=move |ev| editing.update(|e| if let Some(e) = e { e.2 = event_target_value(&ev) })></textarea>
                                                    <div>
                                                        <button type="submit" class="button primary small" data-testid="chart-edit-save">"Save"</button>
                                                        <button type="button" class="button secondary small" on:click=move |_| editing.set(None)>"Cancel"</button>
                                                    </div>
                                                </form>
                                            }
                                        }
                                    </Show>
                                    <Show when=confirming>
                                        {
                                            let id = id_delete.clone();
                                            view! {
                                                <p class="note">"Delete this chart? Dashboards that show it lose the tile."
                                                    <button type="button" class="button danger small" data-testid="chart-delete-confirm"
                                                        on:click=move |_| delete(id.clone())>"Delete"</button>
                                                    <button type="button" class="button secondary small" on:click=move |_| confirm_delete.set(None)>"Keep"</button>
                                                </p>
                                            }
                                        }
                                    </Show>
                                    <details class="provenance" data-testid="chart-provenance">
                                        <summary class="muted small">
                                            "Saved by " {chart.created_by.clone()} " " {format_timestamp(&chart.created_at)}
                                            {(chart.updated_at != chart.created_at).then(|| format!(", changed by {} {}", chart.updated_by, format_timestamp(&chart.updated_at)))}
                                        </summary>
                                        {(!chart.question.is_empty()).then(|| view! { <p>"Question: " <em>{chart.question.clone()}</em></p> })}
                                        <pre class="sql">{chart.sql.clone()}</pre>
                                        <p class="muted small">"Built on the schema read "
                                            {chart.schema_indexed_at.as_deref().map(format_timestamp).unwrap_or_else(|| "(unknown)".to_owned())}</p>
                                    </details>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {move || opened.get().map(|chart| view! {
                <div class="card chart-card" data-testid="opened-chart">
                    <h2>{chart.name}</h2>
                    <RunProgress status=result.status rows_received=rows_received bytes_received=result.bytes now_ms=now
                        on_cancel=move |()| stop() />
                    <ChartView spec=spec columns=result.columns data=result.data />
                </div>
                <div class="card table-card">
                    <DataTable columns=result.columns data=result.data generation=result.generation />
                </div>
            })}
        </section>
    }
}
