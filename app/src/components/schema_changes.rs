//! What a schema refresh changed: tables added and removed, columns added, removed and retyped.
//! Each line carries `data-change`, so tests and styles tell the kinds apart without the words.

use leptos::prelude::*;
use vizkraft_domain::api::sources::{SchemaChanges, TableChanges};

#[component]
pub fn SchemaChangesList(changes: SchemaChanges) -> impl IntoView {
    let SchemaChanges { added_tables, removed_tables, changed_tables } = changes;
    view! {
        <ul class="schema-changes-list">
            {added_tables.into_iter().map(|table| view! {
                <li data-change="table-added">"Table added: " <code>{table}</code></li>
            }).collect_view()}
            {removed_tables.into_iter().map(|table| view! {
                <li data-change="table-removed">"Table removed: " <code>{table}</code></li>
            }).collect_view()}
            {changed_tables.into_iter().map(|table| view! { <TableChangeItem changes=table /> }).collect_view()}
        </ul>
    }
}

#[component]
fn TableChangeItem(changes: TableChanges) -> impl IntoView {
    let TableChanges { table, added_columns, removed_columns, retyped_columns } = changes;
    let lines = added_columns
        .into_iter()
        .map(|c| ("column-added", "Column added: ", c))
        .chain(removed_columns.into_iter().map(|c| ("column-removed", "Column removed: ", c)))
        .chain(retyped_columns.into_iter().map(|c| ("column-retyped", "Type changed: ", c)));
    view! {
        <li data-change="table-changed">
            "Table " <code>{table}</code> " changed"
            <ul>
                {lines.map(|(kind, label, what)| view! { <li data-change=kind>{label} <code>{what}</code></li> }).collect_view()}
            </ul>
        </li>
    }
}
