//! The result as a table: the first rows only, with a note of how many there are. Rows are
//! keyed by run and position, so a streaming result appends rows instead of redrawing them.

use leptos::prelude::*;
use vizkraft_domain::api::query::{Cell, ResultColumn};
use vizkraft_domain::semantic::ColumnKind;

use crate::charts::format_number;

/// Rows rendered at most; a virtualised table comes later.
pub const VISIBLE_ROWS: usize = 500;

#[component]
pub fn DataTable(
    #[prop(into)] columns: Signal<Vec<ResultColumn>>,
    #[prop(into)] rows: Signal<Vec<Vec<Cell>>>,
    /// Changes whenever a new result replaces the old one.
    #[prop(into)]
    generation: Signal<u64>,
) -> impl IntoView {
    let total = Memo::new(move |_| rows.with(Vec::len));
    let visible = Memo::new(move |_| total.get().min(VISIBLE_ROWS));
    let numeric = Memo::new(move |_| columns.with(|cols| cols.iter().map(|c| c.kind.is_numeric()).collect::<Vec<_>>()));

    view! {
        <div class="data-table" data-testid="data-table">
            <p class="table-note muted" data-testid="table-note">
                {move || {
                    // From `total` alone: reading `visible` too (which derives from `total`)
                    // left this note stale while rows streamed in.
                    let all = total.get();
                    let shown = all.min(VISIBLE_ROWS);
                    if all > shown {
                        format!("Showing the first {} of {} rows.", format_number(shown as f64), format_number(all as f64))
                    } else {
                        format!("{} row{}", format_number(all as f64), if all == 1 { "" } else { "s" })
                    }
                }}
            </p>
            <div class="table-scroll">
                <table>
                    <thead>
                        <tr>
                            {move || columns.get().into_iter().map(|c| {
                                let class = if c.kind.is_numeric() { "num" } else { "" };
                                view! { <th class=class title=kind_label(c.kind)>{c.name}</th> }
                            }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        <For
                            each=move || { let run = generation.get(); (0..visible.get()).map(move |i| (run, i)) }
                            key=|key| *key
                            children=move |(_, i)| {
                                let row = rows.with_untracked(|all| all.get(i).cloned()).unwrap_or_default();
                                let numeric = numeric.get_untracked();
                                view! {
                                    <tr>
                                        {row.into_iter().enumerate().map(|(c, cell)| {
                                            let class = if numeric.get(c).copied().unwrap_or(false) { "num" } else { "" };
                                            match cell {
                                                Cell::Null => view! { <td class=format!("{class} null")>"NULL"</td> }.into_any(),
                                                cell => view! { <td class=class>{cell.to_string()}</td> }.into_any(),
                                            }
                                        }).collect_view()}
                                    </tr>
                                }
                            }
                        />
                    </tbody>
                </table>
            </div>
        </div>
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
