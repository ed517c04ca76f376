//! The result as a table that scrolls through every row received, a million or more: only the
//! rows in view are in the DOM. The table sits `sticky` at the top of its scroll box, and a
//! spacer below gives the box the height of all rows, so the scrollbar maps to the whole
//! result; past the height a browser can lay out, the mapping is scaled.

use leptos::prelude::*;
use vizkraft_domain::api::query::{Cell, ResultColumn};
use vizkraft_domain::result::ResultData;
use vizkraft_domain::semantic::ColumnKind;

use crate::charts::format_number;
use crate::components::ExportCsvButton;

/// Fixed row height (px), matched by `.data-table td` in the stylesheet.
const ROW_HEIGHT: f64 = 30.0;
/// Rows in view at once.
const VIEW_ROWS: usize = 16;
/// Tallest spacer we ask the browser for; Chromium stops laying out near 33 million px.
const MAX_SCROLL_PX: f64 = 8_000_000.0;

/// The first row to show for a scroll offset, given `total` rows.
fn first_row(scroll_top: f64, total: usize) -> usize {
    let last_first = total.saturating_sub(VIEW_ROWS);
    if last_first == 0 {
        return 0;
    }
    let scrollable = scroll_height(total) - VIEW_ROWS as f64 * ROW_HEIGHT;
    let row = (scroll_top / scrollable.max(1.0) * last_first as f64).round();
    (row.max(0.0) as usize).min(last_first)
}

/// The scroll box's content height for `total` rows.
fn scroll_height(total: usize) -> f64 {
    (total as f64 * ROW_HEIGHT).min(MAX_SCROLL_PX)
}

#[component]
pub fn DataTable(
    #[prop(into)] columns: Signal<Vec<ResultColumn>>,
    #[prop(into)] data: Signal<ResultData>,
    /// Changes whenever a new result replaces the old one.
    #[prop(into)]
    generation: Signal<u64>,
) -> impl IntoView {
    let scroll_top = RwSignal::new(0.0_f64);
    let total = Memo::new(move |_| data.with(ResultData::len));
    // A new result starts at its top.
    Effect::new(move |_| {
        generation.track();
        scroll_top.set(0.0);
    });
    let window = Memo::new(move |_| {
        let total = total.get();
        let first = first_row(scroll_top.get(), total);
        (generation.get(), first, (first + VIEW_ROWS).min(total))
    });
    let numeric = Memo::new(move |_| columns.with(|cols| cols.iter().map(|c| c.kind.is_numeric()).collect::<Vec<_>>()));
    let spacer = move || (scroll_height(total.get()) - VIEW_ROWS as f64 * ROW_HEIGHT).max(0.0);

    view! {
        <div class="data-table" data-testid="data-table">
            <div class="table-actions">
                <span class="muted small">"Save rows as"</span>
                <ExportCsvButton columns=columns data=data />
            </div>
            <p class="table-note muted" data-testid="table-note" data-total-rows=move || total.get().to_string()>
                {move || {
                    let all = total.get();
                    format!("{} row{}", format_number(all as f64), if all == 1 { "" } else { "s" })
                }}
            </p>
            <div class="table-scroll" data-testid="table-scroll"
                on:scroll=move |ev| scroll_top.set(event_target::<web_sys::HtmlElement>(&ev).scroll_top() as f64)>
                <table>
                    <thead>
                        <tr>
                            <th class="num row-number" title="row">"#"</th>
                            {move || columns.get().into_iter().map(|c| {
                                let class = if c.kind.is_numeric() { "num" } else { "" };
                                view! { <th class=class title=kind_label(c.kind)>{c.name}</th> }
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {move || {
                            let (_, first, end) = window.get();
                            let numeric = numeric.get();
                            data.with_untracked(|data| (first..end).map(|r| row_view(data, r, &numeric)).collect_view())
                        }}
                    </tbody>
                </table>
                <div class="table-spacer" style:height=move || format!("{}px", spacer())></div>
            </div>
        </div>
    }
}

fn row_view(data: &ResultData, row: usize, numeric: &[bool]) -> impl IntoView {
    let cells = (0..numeric.len())
        .map(|c| {
            let class = if numeric[c] { "num" } else { "" };
            match data.cell(row, c) {
                Cell::Null => view! { <td class=format!("{class} null")>"NULL"</td> }.into_any(),
                cell => {
                    let text = cell.to_string();
                    let title = text.clone();
                    view! { <td class=class title=title>{text}</td> }.into_any()
                }
            }
        })
        .collect_view();
    view! {
        <tr data-row=row.to_string()>
            <td class="num row-number muted">{(row + 1).to_string()}</td>
            {cells}
        </tr>
    }
}

fn kind_label(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Integer => "integer",
        ColumnKind::Decimal => "decimal",
        ColumnKind::Text => "text",
        ColumnKind::Date => "date",
        ColumnKind::Timestamp => "timestamp",
        ColumnKind::Boolean => "boolean",
        ColumnKind::Other => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrolling_maps_to_rows_and_stops_at_the_last_screen() {
        assert_eq!(first_row(0.0, 10), 0);
        assert_eq!(first_row(300.0, 10), 0, "everything fits");
        assert_eq!(first_row(0.0, 1_000), 0);
        assert_eq!(first_row(ROW_HEIGHT * 10.0, 1_000), 10);
        assert_eq!(first_row(1e12, 1_000), 1_000 - VIEW_ROWS);
    }

    #[test]
    fn results_taller_than_a_page_can_be_scroll_through_to_the_end() {
        let total = 10_000_000;
        assert_eq!(scroll_height(total), MAX_SCROLL_PX);
        let bottom = MAX_SCROLL_PX - VIEW_ROWS as f64 * ROW_HEIGHT;
        assert_eq!(first_row(bottom, total), total - VIEW_ROWS);
        let middle = first_row(bottom / 2.0, total);
        assert!((middle as f64 - (total - VIEW_ROWS) as f64 / 2.0).abs() < 2.0);
    }
}
