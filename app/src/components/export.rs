//! Exports from what the tab already holds, with no round trip to the relay: a result as CSV,
//! a chart as PNG or SVG. The file is the user's own copy, saved where they choose.

use leptos::prelude::*;
use vizkraft_domain::api::query::ResultColumn;
use vizkraft_domain::result::csv::csv_pieces;
use vizkraft_domain::result::ResultData;
use wasm_bindgen::{JsCast, JsValue};

/// Saves `pieces` as one file. The pieces become the parts of a `Blob`, so the browser
/// assembles the file without the app ever holding it as one string.
pub fn download_pieces(file_name: &str, mime: &str, pieces: impl Iterator<Item = String>) -> Result<(), String> {
    let parts = js_sys::Array::new();
    for piece in pieces {
        parts.push(&js_sys::Uint8Array::from(piece.as_bytes()));
    }
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_text)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_text)?;
    let clicked = download_url(file_name, &url);
    // The download has started from the URL by the time this runs; then it can go.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 30_000);
    }
    clicked
}

/// Saves what `url` (a blob or data URL) holds, through a temporary download link.
pub fn download_url(file_name: &str, url: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").map_err(js_text)?.unchecked_into();
    link.set_href(url);
    link.set_download(file_name);
    let body = document.body().ok_or("no body")?;
    body.append_child(&link).map_err(js_text)?;
    link.click();
    link.remove();
    Ok(())
}

fn js_text(value: JsValue) -> String {
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}

#[component]
pub fn ExportCsvButton(
    #[prop(into)] columns: Signal<Vec<ResultColumn>>,
    #[prop(into)] data: Signal<ResultData>,
) -> impl IntoView {
    let failed = RwSignal::new(None::<String>);
    let export = move |_| {
        let saved = columns.with_untracked(|columns| {
            data.with_untracked(|data| {
                download_pieces("vizkraft-result.csv", "text/csv;charset=utf-8", csv_pieces(columns, data))
            })
        });
        failed.set(saved.err());
    };
    view! {
        <button type="button" class="button secondary small" data-testid="export-csv" on:click=export
            title="Every row received, as a CSV file">"CSV"</button>
        {move || failed.get().map(|e| view! { <span class="note small">"The export failed: " {e}</span> })}
    }
}
