//! A one-time value (an invitation link, an API key's secret) shown in full with a Copy button.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Copies `text` to the clipboard. The Clipboard API needs a secure context and may be refused;
/// the caller then tells the user to copy by hand.
async fn copy_to_clipboard(text: &str) -> Result<(), String> {
    let clipboard = window().navigator().clipboard();
    JsFuture::from(clipboard.write_text(text)).await.map(drop).map_err(|e| format!("{e:?}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Copied {
    Not,
    Yes,
    Failed,
}

#[component]
pub fn CopyField(
    text: String,
    /// The `data-testid` of the element holding the text.
    testid: &'static str,
    label: &'static str,
) -> impl IntoView {
    let copied = RwSignal::new(Copied::Not);
    let value = StoredValue::new(text.clone());
    let copy = move |_| {
        let text = value.get_value();
        leptos::task::spawn_local(async move {
            match copy_to_clipboard(&text).await {
                Ok(()) => copied.set(Copied::Yes),
                Err(error) => {
                    leptos::logging::warn!("copy failed: {error}");
                    copied.set(Copied::Failed);
                }
            }
        });
    };
    view! {
        <div class="copy-field">
            <span class="field-label">{label}</span>
            <div class="copy-row">
                <code class="copy-text" data-testid=testid tabindex="0">{text}</code>
                <button type="button" class="button secondary" on:click=copy>
                    {move || if copied.get() == Copied::Yes { "Copied" } else { "Copy" }}
                </button>
            </div>
            {move || (copied.get() == Copied::Failed).then(|| view! {
                <p class="small error-text">"The browser did not allow copying; select the text and copy it by hand."</p>
            })}
        </div>
    }
}
