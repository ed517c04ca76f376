//! Buttons to show the result as another chart kind; kinds this result cannot feed are disabled.

use leptos::prelude::*;
use vizkraft_domain::chart::ChartKind;

use crate::charts::kind_slug;

#[component]
pub fn ChartSwitcher(
    /// The kind on screen.
    #[prop(into)]
    current: Signal<Option<ChartKind>>,
    /// Every kind with whether this result can be drawn that way.
    #[prop(into)]
    available: Signal<Vec<(ChartKind, bool)>>,
    #[prop(into)] on_pick: Callback<ChartKind>,
) -> impl IntoView {
    view! {
        <div class="chart-switcher" role="group" aria-label="Chart kind" data-testid="chart-switcher">
            {move || available.get().into_iter().map(|(kind, possible)| {
                let active = move || current.get() == Some(kind);
                view! {
                    <button type="button" class="switch" class:active=active
                        data-testid=format!("chart-kind-{}", kind_slug(kind))
                        aria-pressed=move || active().to_string()
                        disabled=!possible
                        title=if possible { String::new() } else { format!("This result cannot be shown as {}", kind.label().to_lowercase()) }
                        on:click=move |_| on_pick.run(kind)>
                        {kind.label()}
                    </button>
                }
            }).collect_view()}
        </div>
    }
}
