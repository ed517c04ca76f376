//! What the compiler made of a question: the phrase-to-meaning list, or its request to clarify.

use leptos::prelude::*;
use vizkraft_domain::semantic::{Clarification as ClarificationBody, Mapping};

#[component]
pub fn Explanation(mappings: Vec<Mapping>) -> impl IntoView {
    (!mappings.is_empty()).then(|| {
        view! {
            <div class="explanation" data-testid="explanation">
                <h3>"How the question was read"</h3>
                <dl>
                    {mappings
                        .into_iter()
                        .map(|m| view! { <div class="mapping"><dt>{m.phrase}</dt><dd><code>{m.meaning}</code></dd></div> })
                        .collect_view()}
                </dl>
            </div>
        }
    })
}

/// The compiler's question back to the user. Candidate columns are buttons: picking one adds
/// its name to the question, which is usually the fix.
#[component]
pub fn Clarification(clarification: ClarificationBody, #[prop(into)] on_pick: Callback<String>) -> impl IntoView {
    let ClarificationBody { message, unknown_words, candidates } = clarification;
    view! {
        <div class="card clarification" role="status" data-testid="clarification">
            <h3>"Could you say that differently?"</h3>
            <p>{message}</p>
            {(!unknown_words.is_empty()).then(|| view! {
                <p class="muted">
                    "Words I could not place: "
                    {unknown_words.into_iter().map(|w| view! { <mark class="unknown-word">{w}</mark>" " }).collect_view()}
                </p>
            })}
            {(!candidates.is_empty()).then(|| view! {
                <div class="candidates">
                    <span class="muted">"Did you mean one of these columns? "</span>
                    {candidates
                        .into_iter()
                        .map(|c| {
                            let column = c.rsplit('.').next().unwrap_or(&c).replace('_', " ");
                            view! {
                                <button type="button" class="chip" data-testid="candidate" title="Add to the question"
                                    on:click=move |_| on_pick.run(column.clone())>{c}</button>
                            }
                        })
                        .collect_view()}
                </div>
            })}
        </div>
    }
}
