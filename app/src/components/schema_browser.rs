//! The source's tables and columns, with types and key marks, to look up names while asking,
//! and what the last schema refresh changed, so a question that stopped working makes sense.

use leptos::prelude::*;
use vizkraft_domain::api::sources::SchemaChanges;
use vizkraft_domain::semantic::{SchemaModel, Table, TableKind};

use crate::components::{SchemaChangesList, Timestamp};

/// Up to this many tables start unfolded; larger schemas start as a list of names.
const OPEN_TABLES: usize = 4;

#[component]
pub fn SchemaBrowser(
    schema: SchemaModel,
    /// What the last catalog read that found a difference changed; nothing is shown before one.
    #[prop(optional)]
    changes: SchemaChanges,
    /// When that read was (RFC 3339).
    changed_at: Option<String>,
) -> impl IntoView {
    let filter = RwSignal::new(String::new());
    let open = schema.tables.len() <= OPEN_TABLES;
    let tables = schema.tables;
    let count = tables.len();
    view! {
        {(!changes.is_empty()).then(|| view! {
            <div class="note schema-changes" data-testid="schema-changes">
                <p class="small"><strong>"The schema changed"</strong>
                    {changed_at.map(|at| view! { " on " <Timestamp at=at /> })}":"</p>
                <SchemaChangesList changes=changes />
            </div>
        })}
        <div class="schema-tables">
            {(count > OPEN_TABLES).then(|| view! {
                <input class="schema-filter" type="search" placeholder="Filter tables and columns"
                    aria-label="Filter tables and columns"
                    prop:value=move || filter.get()
                    on:input=move |ev| filter.set(event_target_value(&ev)) />
            })}
            {(count == 0).then(|| view! { <p class="muted">"This source has no tables."</p> })}
            <ul class="tables">
                {tables.into_iter().map(|table| {
                    let haystack = search_text(&table);
                    let hidden = move || {
                        let needle = filter.get().trim().to_lowercase();
                        !needle.is_empty() && !haystack.contains(&needle)
                    };
                    view! { <li class:hidden=hidden><TableEntry table=table open=open /></li> }
                }).collect_view()}
            </ul>
        </div>
    }
}

#[component]
fn TableEntry(table: Table, open: bool) -> impl IntoView {
    let Table { schema, name, kind, columns, primary_key, foreign_keys, row_estimate, comment: _ } = table;
    let qualified = match schema {
        Some(schema) => format!("{schema}.{name}"),
        None => name,
    };
    view! {
        <details class="table-entry" open=open>
            <summary>
                <span class="table-name">{qualified}</span>
                {(kind == TableKind::View).then(|| view! { <span class="badge">"view"</span> })}
                {row_estimate.map(|n| view! { <span class="muted small">{format!("~{} rows", crate::charts::format_number(n as f64))}</span> })}
            </summary>
            <ul class="columns">
                {columns.into_iter().map(|column| {
                    let pk = primary_key.iter().any(|k| k.eq_ignore_ascii_case(&column.name));
                    let fk = foreign_keys.iter().find_map(|fk| {
                        let at = fk.columns.iter().position(|c| c.eq_ignore_ascii_case(&column.name))?;
                        let target = fk.referenced_columns.get(at).map_or(String::new(), |c| format!(".{c}"));
                        Some(format!("references {}{target}", fk.referenced_table))
                    });
                    view! {
                        <li class="column">
                            <span class="column-name">{column.name}</span>
                            {pk.then(|| view! { <span class="badge key" title="primary key">"PK"</span> })}
                            {fk.map(|to| view! { <span class="badge fk" title=to.clone()>"FK"</span> })}
                            <span class="column-type" title=if column.nullable { "nullable" } else { "not null" }>
                                {column.declared_type.to_lowercase()}
                            </span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

/// Lowercased table and column names, matched by the filter box.
fn search_text(table: &Table) -> String {
    let mut text = table.name.to_lowercase();
    for column in &table.columns {
        text.push(' ');
        text.push_str(&column.name.to_lowercase());
    }
    text
}
