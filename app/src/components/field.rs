//! A labelled form input bound to a string signal, the building block of every form.

use leptos::prelude::*;

/// Shortest password the relay accepts (`auth::check_policy`); the browser checks it first.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[component]
pub fn Field(
    /// The element id, also what the label points at.
    id: &'static str,
    label: &'static str,
    testid: &'static str,
    value: RwSignal<String>,
    /// `text`, `email`, `password`, `number` …
    #[prop(default = "text")]
    kind: &'static str,
    /// The browser's autofill hint, e.g. `current-password`.
    #[prop(default = "off")]
    autocomplete: &'static str,
    #[prop(default = true)] required: bool,
    #[prop(optional)] hint: Option<&'static str>,
    #[prop(optional)] min_length: Option<usize>,
    #[prop(optional)] placeholder: Option<&'static str>,
    /// Layout classes added to the wrapper, e.g. `grow` inside an `inline-form`.
    #[prop(optional)]
    class: Option<&'static str>,
) -> impl IntoView {
    let hint_id = format!("{id}-hint");
    let class = class.map_or_else(|| "field".to_owned(), |extra| format!("field {extra}"));
    view! {
        <div class=class>
            <label class="field-label" for=id>{label}</label>
            <input id=id type=kind data-testid=testid autocomplete=autocomplete required=required
                minlength=min_length.map(|n| n.to_string()) placeholder=placeholder
                aria-describedby=hint.map(|_| hint_id.clone())
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev)) />
            {hint.map(|text| view! { <p class="field-hint muted small" id=hint_id.clone()>{text}</p> })}
        </div>
    }
}
