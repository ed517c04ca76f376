//! Saves the chart on screen: its source, question, the SQL that ran and the chart settings,
//! never its rows. Named by the person saving; the question is the suggested name.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::charts::SavedChartRequest;
use vizkraft_domain::api::sources::SourceId;
use vizkraft_domain::chart::ChartSpec;

use crate::api::{self, ClientError};
use crate::components::ErrorMessage;

#[component]
pub fn SaveChart(
    #[prop(into)] source_id: Signal<Option<SourceId>>,
    #[prop(into)] question: Signal<String>,
    /// The SQL that produced the result on screen.
    #[prop(into)]
    sql: Signal<String>,
    #[prop(into)] spec: Signal<Option<ChartSpec>>,
) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let saved = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    // A new result starts a new save: the question suggests the name.
    Effect::new(move |_| {
        sql.track();
        name.set(question.get_untracked());
        saved.set(None);
        error.set(None);
    });

    let save = move || {
        let (Some(source_id), Some(chart)) = (source_id.get_untracked(), spec.get_untracked()) else { return };
        let request = SavedChartRequest {
            name: name.get_untracked(),
            source_id,
            question: question.get_untracked(),
            sql: sql.get_untracked(),
            chart,
        };
        busy.set(true);
        spawn_local(async move {
            match api::save_chart(&request).await {
                Ok(chart) => {
                    saved.set(Some(chart.name));
                    error.set(None);
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };

    view! {
        <form class="save-chart" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <label class="visually-hidden" for="chart-name">"Chart name"</label>
            <input id="chart-name" type="text" data-testid="save-chart-name" placeholder="Name this chart"
                prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <button type="submit" class="button secondary small" data-testid="save-chart"
                disabled=move || busy.get() || name.with(|n| n.trim().is_empty())>"Save chart"</button>
            {move || saved.get().map(|n| view! {
                <span class="muted small" data-testid="save-chart-done">"Saved as “" {n} "”, under Charts."</span>
            })}
        </form>
        {move || error.get().map(|e| view! { <ErrorMessage error=e /> })}
    }
}
