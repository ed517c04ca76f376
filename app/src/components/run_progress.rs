//! A query run's progress while rows stream in, and its count, timing and caps once it ended.

use leptos::prelude::*;
use vizkraft_domain::api::query::Truncation;

use crate::charts::format_number;
use crate::components::ErrorMessage;
use crate::state::RunStatus;

/// `850 ms`, `2.4 s`: milliseconds stop being readable past one second.
pub fn format_elapsed(ms: f64) -> String {
    let ms = ms.max(0.0);
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.1} s", ms / 1000.0)
    }
}

/// `512 KB`, `3.4 MB`: the size of what has arrived.
pub fn format_bytes(bytes: u64) -> String {
    match bytes {
        b if b < 1_000 => format!("{b} B"),
        b if b < 1_000_000 => format!("{:.0} KB", b as f64 / 1e3),
        b if b < 1_000_000_000 => format!("{:.1} MB", b as f64 / 1e6),
        b => format!("{:.2} GB", b as f64 / 1e9),
    }
}

fn format_count(n: u64, noun: &str) -> String {
    let plural = if n == 1 { "" } else { "s" };
    format!("{} {noun}{plural}", format_number(n as f64))
}

#[component]
pub fn RunProgress(
    #[prop(into)] status: Signal<RunStatus>,
    #[prop(into)] rows_received: Signal<usize>,
    /// Bytes of the result stream received.
    #[prop(into)]
    bytes_received: Signal<u64>,
    /// `Date.now()`, ticking while a run is in flight, for the live elapsed time.
    #[prop(into)]
    now_ms: Signal<f64>,
    #[prop(into)] on_cancel: Callback<()>,
) -> impl IntoView {
    move || {
        match status.get() {
        RunStatus::Idle => ().into_any(),
        RunStatus::Running { started_at_ms } => {
            let elapsed = move || now_ms.get() - started_at_ms;
            view! {
                <div class="run-status running" aria-live="polite">
                    <span class="spinner" aria-hidden="true"></span>
                    <span data-testid="progress" data-rows=move || rows_received.get().to_string()>
                        "Running… " {move || format_count(rows_received.get() as u64, "row")} " received"
                    </span>
                    <span class="sep">"·"</span>
                    <span data-testid="bytes" data-bytes=move || bytes_received.get().to_string()>
                        {move || format_bytes(bytes_received.get())}
                    </span>
                    <span class="sep">"·"</span>
                    <span data-testid="elapsed" data-elapsed-ms=move || format!("{:.0}", elapsed())>
                        {move || format_elapsed(elapsed())}
                    </span>
                    <button type="button" class="button secondary" data-testid="cancel-button"
                        on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </div>
            }
            .into_any()
        }
        RunStatus::Finished { row_count, elapsed_ms, truncated, row_cap } => view! {
            <div class="run-status finished">
                <span data-testid="row-count" data-row-count=row_count.to_string()>{format_count(row_count, "row")}</span>
                <span class="sep">"·"</span>
                <span data-testid="elapsed" data-elapsed-ms=elapsed_ms.to_string()>{format_elapsed(elapsed_ms as f64)}</span>
            </div>
            {truncated.map(|cap| {
                let why = match cap {
                    Truncation::RowCap => {
                        let cap = format_number(row_cap as f64);
                        format!("Showing the first {cap} rows: the row cap is {cap}.")
                    }
                    Truncation::ByteCap => format!(
                        "Showing the first {}: the result reached the relay's size limit.",
                        format_count(row_count, "row")
                    ),
                    Truncation::BrowserMemory => format!(
                        "Showing the first {}: the result reached this tab's memory budget of {}, so the query was stopped.",
                        format_count(row_count, "row"),
                        format_bytes(crate::state::RESULT_MEMORY_BUDGET as u64)
                    ),
                };
                view! {
                    <p class="note" data-testid="truncated-note" data-cap=format!("{cap:?}")>
                        {why}
                        " Add a filter or an aggregate to see the rest."
                    </p>
                }
            })}
        }
        .into_any(),
        RunStatus::Cancelled { elapsed_ms } => view! {
            <div class="run-status cancelled" data-testid="cancelled-note">
                {move || format!("Cancelled after {} and {}.", format_count(rows_received.get() as u64, "row"), format_elapsed(elapsed_ms))}
            </div>
        }
        .into_any(),
        RunStatus::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
    }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_reads_in_ms_then_seconds() {
        assert_eq!(format_elapsed(42.4), "42 ms");
        assert_eq!(format_elapsed(2_440.0), "2.4 s");
        assert_eq!(format_elapsed(-3.0), "0 ms");
    }

    #[test]
    fn counts_have_separators_and_plurals() {
        assert_eq!(format_count(1, "row"), "1 row");
        assert_eq!(format_count(12_345, "row"), "12,345 rows");
    }
}
