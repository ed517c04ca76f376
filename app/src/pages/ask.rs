//! The Ask page: pick a source, ask a question, read the SQL it became, and see the answer as
//! a chart and a table while the rows stream in. Roles that may not run SQL (viewers) see the
//! SQL read-only, and their answers come from the relay running the compiler's own SQL.

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::ask::AskRequest;
use vizkraft_domain::api::query::QueryRequest;
use vizkraft_domain::api::sources::{SourceId, SourceSchemaResponse, SourceSummary};
use vizkraft_domain::chart::{ChartKind, ChartSpec};
use vizkraft_domain::semantic::{Answer, Clarification as ClarificationBody, CompileOutcome};

use crate::api::{self, Abort, ClientError};
use crate::charts;
use crate::components::{
    ChartSwitcher, ChartView, Clarification, DataTable, ErrorMessage, Explanation, RunProgress, SaveChart,
    SchemaBrowser,
};
use crate::state::{LiveResult, Remote, RunSlot, RunStatus};

/// Where the last question stands.
#[derive(Debug, Clone, PartialEq)]
enum AskState {
    Idle,
    Asking,
    Answered(Answer),
    Clarify(ClarificationBody),
    Failed(ClientError),
}

/// How often the live elapsed time is redrawn while a query runs.
const TICK: Duration = Duration::from_millis(100);

/// On a phone the schema sits above the question; folded, it leaves the question in view.
fn schema_starts_open() -> bool {
    window().inner_width().ok().and_then(|w| w.as_f64()).is_none_or(|width| width > 820.0)
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[component]
pub fn AskPage(
    /// `Role::allows(Permission::RunSql)` for the active organisation; the shell rebuilds the
    /// page when the role changes, so a plain value is enough.
    can_run_sql: bool,
    /// `Permission::SaveDashboards`: the chart on screen can be saved.
    can_save_charts: bool,
) -> impl IntoView {
    let sources = RwSignal::new(Remote::<Vec<SourceSummary>>::Loading);
    let source_id = RwSignal::new(None::<SourceId>);
    let schema = RwSignal::new(Remote::<SourceSchemaResponse>::Loading);
    let question = RwSignal::new(String::new());
    let ask_state = RwSignal::new(AskState::Idle);
    let sql = RwSignal::new(String::new());
    let result = LiveResult::new();
    let picked_kind = RwSignal::new(None::<ChartKind>);
    let now = RwSignal::new(now_ms());

    // In-flight requests, aborted when replaced and when the page goes away, so nothing keeps
    // running for a page nobody sees.
    let asking = RunSlot::new();
    let running = RunSlot::new();
    let ask_seq = StoredValue::new(0_u64);
    // The question whose SQL is shown: what `/ask/run` compiles again for roles without RunSql.
    let asked = StoredValue::new(String::new());

    // While a run is in flight, its elapsed time moves every tick.
    let ticker = StoredValue::new(None::<IntervalHandle>);
    let stop_ticker = move || {
        if let Some(Some(handle)) = ticker.try_update_value(Option::take) {
            handle.clear();
        }
    };
    on_cleanup(stop_ticker);
    let in_flight = Memo::new(move |_| matches!(result.status.get(), RunStatus::Running { .. }));
    Effect::new(move |_| {
        stop_ticker();
        if in_flight.get() {
            now.set(now_ms());
            match set_interval_with_handle(move || now.set(now_ms()), TICK) {
                Ok(handle) => ticker.set_value(Some(handle)),
                // Without the ticker the elapsed time only moves with each frame; not worth failing the run.
                Err(error) => leptos::logging::warn!("elapsed-time ticker unavailable: {error:?}"),
            }
        }
    });

    spawn_local(async move {
        let listed = api::list_sources().await.map(|r| r.sources);
        if let Ok(list) = &listed {
            source_id.set(list.first().map(|s| s.id.clone()));
        }
        sources.set(listed.into());
    });

    // The schema follows the picked source; a late answer for a source no longer picked is dropped.
    Effect::new(move |_| {
        let Some(id) = source_id.get() else { return };
        schema.set(Remote::Loading);
        spawn_local(async move {
            let loaded = api::source_schema(&id).await;
            if source_id.get_untracked().as_ref() == Some(&id) {
                schema.set(loaded.into());
            }
        });
    });

    let run = move |text: String| {
        let Some(source) = source_id.get_untracked() else { return };
        if text.trim().is_empty() {
            return;
        }
        picked_kind.set(None);
        let question = asked.get_value();
        result.run(running, text.clone(), move |abort, on_event| async move {
            if can_run_sql {
                api::run_query(&QueryRequest { source_id: source, sql: text }, &abort, on_event).await
            } else {
                api::run_question(&AskRequest { source_id: source, question }, &abort, on_event).await
            }
        });
    };

    let ask = move || {
        let Some(source) = source_id.get_untracked() else { return };
        let text = question.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        running.stop();
        result.clear();
        let seq = ask_seq.get_value() + 1;
        ask_seq.set_value(seq);
        let abort = match Abort::new() {
            Ok(abort) => abort,
            Err(error) => {
                ask_state.set(AskState::Failed(error));
                return;
            }
        };
        asking.hold(abort.clone());
        ask_state.set(AskState::Asking);
        spawn_local(async move {
            let answered = api::ask(&AskRequest { source_id: source, question: text.clone() }, &abort).await;
            if ask_seq.get_value() != seq {
                return;
            }
            match answered.map(|r| r.outcome) {
                Ok(CompileOutcome::Answer(answer)) => {
                    asked.set_value(text);
                    let text = answer.sql.clone();
                    sql.set(text.clone());
                    ask_state.set(AskState::Answered(answer));
                    run(text);
                }
                Ok(CompileOutcome::Clarify(clarification)) => {
                    // The previous question's SQL would read as this question's answer.
                    sql.set(String::new());
                    ask_state.set(AskState::Clarify(clarification));
                }
                Err(ClientError::Cancelled) => {}
                Err(error) => ask_state.set(AskState::Failed(error)),
            }
        });
    };

    let cancel = move || running.stop();

    let pick_source = move |id: String| {
        asking.stop();
        running.stop();
        result.clear();
        ask_state.set(AskState::Idle);
        sql.set(String::new());
        source_id.set(Some(SourceId(id)));
    };

    // The first rows, as cells, for the choice of chart; read once the stream has ended.
    let sample = Memo::new(move |_| {
        if !matches!(result.status.get(), RunStatus::Finished { .. }) {
            return Vec::new();
        }
        result.data.with_untracked(|d| d.sample_rows(charts::CHOICE_SAMPLE))
    });
    let total_rows = Memo::new(move |_| result.data.with(|d| d.len()));
    // The chart is chosen once the stream has ended: the compiler's spec while the SQL is still
    // its own, otherwise the domain's choice from the data.
    let auto_spec = Memo::new(move |_| {
        let RunStatus::Finished { row_count, .. } = result.status.get() else { return None };
        let ran = result.sql.get();
        let compiled = ask_state.with(|state| match state {
            AskState::Answered(answer) if answer.sql.trim() == ran.trim() => Some(answer.chart.clone()),
            _ => None,
        });
        let total = usize::try_from(row_count).unwrap_or(usize::MAX);
        Some(result.columns.with(|c| sample.with(|r| charts::pick_spec(compiled.as_ref(), c, r, total))))
    });
    let spec = Memo::new(move |_| {
        let auto = auto_spec.get()?;
        let picked = picked_kind.get().and_then(|kind| {
            result.columns.with(|c| sample.with(|r| charts::spec_for_kind(kind, &auto, c, r, total_rows.get())))
        });
        Some(picked.unwrap_or(auto))
    });
    let available = Memo::new(move |_| {
        let Some(auto) = auto_spec.get() else { return Vec::new() };
        let total = total_rows.get();
        result.columns.with(|c| {
            sample.with(|r| {
                ChartKind::ALL
                    .iter()
                    .map(|&kind| (kind, charts::spec_for_kind(kind, &auto, c, r, total).is_some()))
                    .collect()
            })
        })
    });
    let has_chart = Memo::new(move |_| spec.with(Option::is_some));
    let has_columns = Memo::new(move |_| result.columns.with(|c| !c.is_empty()));
    let rows_received = total_rows;
    let running = Memo::new(move |_| matches!(result.status.get(), RunStatus::Running { .. }));
    let example_questions = Memo::new(move |_| {
        let id = source_id.get();
        sources.with(|s| match s {
            Remote::Ready(list) => list
                .iter()
                .find(|s| Some(&s.id) == id.as_ref())
                .map(|s| s.example_questions.clone())
                .unwrap_or_default(),
            _ => Vec::new(),
        })
    });

    view! {
        <div class="ask-page">
            <aside class="sidebar card" data-testid="schema-browser">
                <details class="schema" open=schema_starts_open()>
                    <summary><h2>"Schema"</h2></summary>
                    {move || match schema.get() {
                        // An organisation without sources has no schema to wait for.
                        Remote::Loading if sources.with(|s| matches!(s, Remote::Ready(list) if list.is_empty())) => view! {
                            <p class="muted">"No data source to show."</p>
                        }.into_any(),
                        Remote::Loading => view! { <p class="muted">"Reading the schema…"</p> }.into_any(),
                        Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                        Remote::Ready(loaded) => view! { <SchemaBrowser schema=loaded.schema changes=loaded.changes changed_at=loaded.changed_at /> }.into_any(),
                    }}
                </details>
            </aside>

            <section class="main">
                <div class="card ask-card">
                    {move || match sources.get() {
                        Remote::Loading => view! { <p class="muted">"Loading data sources…"</p> }.into_any(),
                        Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                        Remote::Ready(list) if list.is_empty() => view! {
                            <p class="muted">"No data sources are configured yet."</p>
                        }.into_any(),
                        Remote::Ready(list) => view! {
                            <label class="field-label" for="source-picker">"Data source"</label>
                            <select id="source-picker" class="source-picker" data-testid="source-picker"
                                on:change=move |ev| pick_source(event_target_value(&ev))>
                                {list.into_iter().map(|s| {
                                    let id = s.id.0.clone();
                                    let selected = move || source_id.with(|current| current.as_ref().is_some_and(|c| c.0 == id));
                                    view! { <option value=s.id.0.clone() selected=selected>{s.name}</option> }
                                }).collect_view()}
                            </select>
                        }.into_any(),
                    }}

                    <form class="question-row" on:submit=move |ev| { ev.prevent_default(); ask(); }>
                        <label class="visually-hidden" for="question">"Question"</label>
                        <input id="question" class="question-input" type="text" autocomplete="off"
                            placeholder="Ask a question, e.g. revenue by month"
                            data-testid="question-input"
                            prop:value=move || question.get()
                            on:input=move |ev| question.set(event_target_value(&ev)) />
                        <button type="submit" class="button primary" data-testid="ask-button"
                            disabled=move || source_id.with(Option::is_none) || ask_state.with(|s| *s == AskState::Asking)>
                            {move || if ask_state.with(|s| *s == AskState::Asking) { "Asking…" } else { "Ask" }}
                        </button>
                    </form>

                    {move || {
                        let examples = example_questions.get();
                        (!examples.is_empty()).then(|| view! {
                            <div class="examples">
                                <span class="muted small">"Try:"</span>
                                {examples.into_iter().map(|q| {
                                    let text = q.clone();
                                    view! {
                                        <button type="button" class="chip" data-testid="example-question"
                                            on:click=move |_| { question.set(text.clone()); ask(); }>{q}</button>
                                    }
                                }).collect_view()}
                            </div>
                        })
                    }}
                </div>

                {move || match ask_state.get() {
                    AskState::Clarify(clarification) => view! {
                        <Clarification clarification=clarification
                            on_pick=move |word: String| question.update(|q| { if !q.ends_with(' ') && !q.is_empty() { q.push(' '); } q.push_str(&word); }) />
                    }.into_any(),
                    AskState::Failed(error) => view! { <div class="card"><ErrorMessage error=error /></div> }.into_any(),
                    _ => ().into_any(),
                }}

                <Show when=move || has_chart.get()>
                    <div class="card chart-card">
                        <ChartSwitcher
                            current=Signal::derive(move || spec.with(|s| s.as_ref().map(|s: &ChartSpec| s.kind)))
                            available=available
                            on_pick=move |kind| picked_kind.set(Some(kind)) />
                        <ChartView spec=spec columns=result.columns data=result.data />
                        {can_save_charts.then(|| view! {
                            <SaveChart
                                source_id=Signal::derive(move || source_id.get())
                                question=Signal::derive(move || asked.get_value())
                                sql=result.sql
                                spec=spec />
                        })}
                    </div>
                </Show>

                <div class="card sql-card">
                    <label class="field-label" for="sql-editor">"SQL"</label>
                    <textarea id="sql-editor" class="sql-editor" class:read-only=!can_run_sql data-testid="sql-editor"
                        spellcheck="false" rows="4" readonly=!can_run_sql
                        placeholder=if can_run_sql {
                            "The SQL for your question appears here. You can also write a SELECT yourself."
                        } else {
                            "The SQL for your question appears here."
                        }
                        prop:value=move || sql.get()
                        on:input=move |ev| sql.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if can_run_sql && ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
                                ev.prevent_default();
                                run(sql.get_untracked());
                            }
                        }></textarea>
                    <div class="sql-actions">
                        {if can_run_sql {
                            view! {
                                <button type="button" class="button primary" data-testid="run-button"
                                    disabled=move || running.get() || source_id.with(Option::is_none) || sql.with(|s| s.trim().is_empty())
                                    on:click=move |_| run(sql.get_untracked())>"Run"</button>
                                <span class="muted small hint">"Ctrl/⌘ + Enter"</span>
                            }.into_any()
                        } else {
                            view! {
                                <span class="muted small hint" data-testid="sql-read-only">
                                    "Your role runs the SQL of your questions; editing SQL needs the editor role."
                                </span>
                            }.into_any()
                        }}
                        <RunProgress status=result.status rows_received=rows_received bytes_received=result.bytes now_ms=now
                            on_cancel=move |()| cancel() />
                    </div>
                    {move || match ask_state.get() {
                        AskState::Answered(answer) => Some(view! { <Explanation mappings=answer.explanation /> }),
                        _ => None,
                    }}
                </div>

                <Show when=move || has_columns.get()>
                    <div class="card table-card">
                        <DataTable columns=result.columns data=result.data generation=result.generation />
                    </div>
                </Show>
            </section>
        </div>
    }
}
