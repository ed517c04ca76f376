//! Data sources of the active organisation: add, edit, test and delete them, and read a
//! source's schema again to see what changed. Sources the relay's operator configured are
//! listed too, but only the operator can change them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::sources::{
    ConnectionSettings, ListSourceDetailsResponse, SchemaRefreshResponse, SourceDetails, SourceId, SourceSummary,
};

use crate::api::{self, ClientError};
use crate::components::{engine_label, ErrorMessage, SchemaChangesList, SourceForm, SourceFormCard, Timestamp};
use crate::state::Remote;

/// Where a source lives, as one line: `host:port/database`, or the SQLite file's name.
pub fn location(connection: &ConnectionSettings) -> String {
    match connection {
        ConnectionSettings::Sqlite { file } => file.clone(),
        ConnectionSettings::Postgres(network) | ConnectionSettings::Mysql(network) => {
            // An IPv6 address needs brackets to keep its colons apart from the port's (RFC 3986 §3.2.2).
            let host = if network.host.contains(':') { format!("[{}]", network.host) } else { network.host.clone() };
            format!("{host}:{}/{}", network.port, network.database)
        }
    }
}

/// One line of the list.
#[derive(Debug, Clone, PartialEq)]
enum Listed {
    /// A source with its settings; `read_only` when the operator configured it.
    Settings { details: SourceDetails, read_only: bool },
    /// An operator-configured source the settings list names by id only; its name and engine
    /// come from the list of sources, when it has them.
    Operator { id: SourceId, summary: Option<SourceSummary> },
}

/// The sources with their settings, and the operator's sources the relay names by id only.
async fn fetch_sources() -> Result<Vec<Listed>, ClientError> {
    let ListSourceDetailsResponse { sources, read_only_ids } = api::list_source_settings().await?;
    let mut listed: Vec<Listed> = sources
        .into_iter()
        .map(|details| {
            let read_only = read_only_ids.contains(&details.source.id);
            Listed::Settings { details, read_only }
        })
        .collect();
    let bare: Vec<SourceId> = read_only_ids.into_iter().filter(|id| !listed.iter().any(|l| l.id() == id)).collect();
    if !bare.is_empty() {
        let summaries = api::list_sources().await?.sources;
        listed.extend(bare.into_iter().map(|id| {
            let summary = summaries.iter().find(|s| s.id == id).cloned();
            Listed::Operator { id, summary }
        }));
    }
    Ok(listed)
}

impl Listed {
    fn id(&self) -> &SourceId {
        match self {
            Listed::Settings { details, .. } => &details.source.id,
            Listed::Operator { id, .. } => id,
        }
    }
}

type RefreshOutcome = Result<SchemaRefreshResponse, ClientError>;

/// The page's per-source actions and their state, shared by every row. Kept here rather than in
/// the rows, so a reloaded list (after a refresh or a save) keeps showing what happened.
#[derive(Clone, Copy)]
struct RowActions {
    form: SourceForm,
    /// The source whose delete button asks for confirmation.
    confirming: RwSignal<Option<SourceId>>,
    deleting: RwSignal<bool>,
    refreshing: RwSignal<Vec<SourceId>>,
    /// The latest refresh of each source refreshed on this page.
    refreshed: RwSignal<Vec<(SourceId, RefreshOutcome)>>,
    on_refresh: Callback<SourceId>,
    on_delete: Callback<SourceId>,
}

#[component]
pub fn SourcesPage() -> impl IntoView {
    let sources = RwSignal::new(Remote::<Vec<Listed>>::Loading);
    let form = SourceForm::new();
    let list_error = RwSignal::new(None::<ClientError>);
    let saved = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(None::<SourceId>);
    let deleting = RwSignal::new(false);
    let refreshing = RwSignal::new(Vec::<SourceId>::new());
    let refreshed = RwSignal::new(Vec::<(SourceId, RefreshOutcome)>::new());

    let load = move || spawn_local(async move { sources.set(fetch_sources().await.into()) });
    load();

    let on_refresh = Callback::new(move |id: SourceId| {
        if refreshing.with_untracked(|r| r.contains(&id)) {
            return;
        }
        refreshing.update(|r| r.push(id.clone()));
        refreshed.update(|r| r.retain(|(done, _)| *done != id));
        spawn_local(async move {
            let outcome = api::refresh_source_schema(&id).await;
            let read = outcome.is_ok();
            refreshing.update(|r| r.retain(|busy| *busy != id));
            refreshed.update(|r| r.push((id, outcome)));
            if read {
                // For the new "schema read at" time.
                load();
            }
        });
    });
    let on_delete = Callback::new(move |id: SourceId| {
        if deleting.get_untracked() {
            return;
        }
        deleting.set(true);
        list_error.set(None);
        spawn_local(async move {
            match api::delete_source(&id).await {
                Ok(()) => {
                    confirming.set(None);
                    if form.editing.with_untracked(|e| e.as_ref().is_some_and(|d| d.source.id == id)) {
                        form.add_new();
                    }
                    load();
                }
                Err(failure) => list_error.set(Some(failure)),
            }
            deleting.set(false);
        });
    });
    let actions = RowActions { form, confirming, deleting, refreshing, refreshed, on_refresh, on_delete };

    let on_saved = move |details: SourceDetails| {
        saved.set(Some(details.source.name));
        load();
    };

    view! {
        <section class="admin-page">
            <div class="page-head">
                <h1>"Data sources"</h1>
                <p class="muted">"The databases this organisation asks questions of. Vizkraft only ever reads from them, "
                    "over TLS unless a source says otherwise."</p>
            </div>
            {move || saved.get().map(|name| view! {
                <p class="success" role="status" data-testid="source-saved">{format!("Saved “{name}”.")}</p>
            })}
            {move || list_error.get().map(|error| view! { <ErrorMessage error=error /> })}
            <div class="card">
                {move || match sources.get() {
                    Remote::Loading => view! { <p class="muted">"Loading data sources…"</p> }.into_any(),
                    Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                    Remote::Ready(list) if list.is_empty() => view! {
                        <p class="muted" data-testid="source-list">"No data sources yet. Add one below."</p>
                    }.into_any(),
                    Remote::Ready(list) => view! {
                        <ul class="source-list" data-testid="source-list">
                            {list.into_iter().map(|listed| match listed {
                                Listed::Settings { details, read_only } => view! {
                                    <SourceRow details=details read_only=read_only actions=actions />
                                }.into_any(),
                                Listed::Operator { id, summary } => view! {
                                    <OperatorSourceRow id=id summary=summary actions=actions />
                                }.into_any(),
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </div>
            <SourceFormCard form=form on_saved=on_saved />
        </section>
    }
}

#[component]
fn SourceRow(details: SourceDetails, read_only: bool, actions: RowActions) -> impl IntoView {
    let SourceDetails { source, connection, writable_privileges, indexed_at, .. } = details.clone();
    let unencrypted = connection.network().is_some_and(|n| n.unencrypted);
    let (id, name) = (source.id, source.name);
    let (for_delete, for_confirm, for_refresh, for_result) = (id.clone(), id.clone(), id.clone(), id.clone());
    view! {
        <li class="source-item" data-testid="source-row" data-source-id=id.0.clone() data-read-only=read_only.to_string()>
            <div class="source-head">
                <div class="source-info">
                    <div class="source-title">
                        <span class="who">{name.clone()}</span>
                        <span class="badge role">{engine_label(connection.engine())}</span>
                        {unencrypted.then(|| view! {
                            <span class="badge danger" data-testid="source-unencrypted-badge"
                                title="Traffic to this database is not encrypted">"Unencrypted"</span>
                        })}
                        {(!writable_privileges.is_empty()).then(|| view! {
                            <span class="badge warning" data-testid="source-writable-badge"
                                title=format!("This login may: {}", writable_privileges.join("; "))>"Login can change data"</span>
                        })}
                        {read_only.then(|| view! { <OperatorBadge /> })}
                    </div>
                    <div class="small"><code class="source-location">{location(&connection)}</code></div>
                    <div class="muted small">
                        {match indexed_at {
                            Some(at) => view! { "Schema read " <Timestamp at=at /> }.into_any(),
                            None => view! { "Schema not read yet" }.into_any(),
                        }}
                    </div>
                </div>
                <div class="source-actions">
                    {(!read_only).then(|| view! {
                        <button type="button" class="button secondary small-button" data-testid="source-edit"
                            on:click=move |_| actions.form.edit(details.clone())>"Edit"</button>
                    })}
                    <RefreshButton id=for_refresh actions=actions />
                    {(!read_only).then(|| view! {
                        <button type="button" class="button danger-quiet" data-testid="source-delete"
                            on:click=move |_| actions.confirming.set(Some(for_delete.clone()))>"Delete"</button>
                    })}
                </div>
            </div>
            <DeleteConfirm id=for_confirm name=name actions=actions />
            <RefreshResult id=for_result actions=actions />
        </li>
    }
}

/// A source configured on the relay's command line: only its operator can change it.
#[component]
fn OperatorSourceRow(id: SourceId, summary: Option<SourceSummary>, actions: RowActions) -> impl IntoView {
    let name = summary.as_ref().map_or_else(|| id.0.clone(), |s| s.name.clone());
    let engine = summary.map(|s| engine_label(s.engine));
    let (for_refresh, for_result) = (id.clone(), id.clone());
    view! {
        <li class="source-item" data-testid="source-row" data-source-id=id.0 data-read-only="true">
            <div class="source-head">
                <div class="source-info">
                    <div class="source-title">
                        <span class="who">{name}</span>
                        {engine.map(|label| view! { <span class="badge role">{label}</span> })}
                        <OperatorBadge />
                    </div>
                    <div class="muted small">"Its connection is set in the relay's configuration."</div>
                </div>
                <div class="source-actions">
                    <RefreshButton id=for_refresh actions=actions />
                </div>
            </div>
            <RefreshResult id=for_result actions=actions />
        </li>
    }
}

#[component]
fn OperatorBadge() -> impl IntoView {
    view! {
        <span class="badge" data-testid="source-read-only"
            title="Configured by the relay's operator; it can be changed only there">"Set by the operator"</span>
    }
}

#[component]
fn RefreshButton(id: SourceId, actions: RowActions) -> impl IntoView {
    let busy_id = id.clone();
    let busy = Memo::new(move |_| actions.refreshing.with(|r| r.contains(&busy_id)));
    view! {
        <button type="button" class="button secondary small-button" data-testid="source-refresh" disabled=busy
            on:click=move |_| actions.on_refresh.run(id.clone())>
            {move || if busy.get() { "Reading schema…" } else { "Refresh schema" }}
        </button>
    }
}

/// The step between "Delete" and deleting, shown under the row whose Delete was pressed.
#[component]
fn DeleteConfirm(id: SourceId, name: String, actions: RowActions) -> impl IntoView {
    let shown_id = id.clone();
    let shown = Memo::new(move |_| actions.confirming.with(|c| c.as_ref() == Some(&shown_id)));
    move || {
        shown.get().then(|| {
            let id = id.clone();
            view! {
                <div class="confirm" role="alert">
                    <p>{format!("Delete “{name}”? Its stored password goes with it, and questions can no longer use it.")}</p>
                    <div class="confirm-actions">
                        <button type="button" class="button danger" data-testid="source-delete-confirm"
                            disabled=move || actions.deleting.get()
                            on:click=move |_| actions.on_delete.run(id.clone())>"Delete source"</button>
                        <button type="button" class="button secondary" data-testid="source-delete-cancel"
                            on:click=move |_| actions.confirming.set(None)>"Keep it"</button>
                    </div>
                </div>
            }
        })
    }
}

/// What the latest refresh of this source found, once there was one.
#[component]
fn RefreshResult(id: SourceId, actions: RowActions) -> impl IntoView {
    let outcome = move || actions.refreshed.with(|r| r.iter().find(|(done, _)| *done == id).map(|(_, o)| o.clone()));
    move || {
        outcome().map(|outcome| match outcome {
            Err(error) => view! { <ErrorMessage error=error /> }.into_any(),
            Ok(refreshed) if refreshed.changes.is_empty() => view! {
                <div class="schema-changes" data-testid="source-changes" data-changed="false">
                    <p class="muted small">"No changes since the last read."</p>
                </div>
            }
            .into_any(),
            Ok(refreshed) => view! {
                <div class="schema-changes" data-testid="source-changes" data-changed="true">
                    <p class="small"><strong>"The schema changed:"</strong></p>
                    <SchemaChangesList changes=refreshed.changes />
                </div>
            }
            .into_any(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vizkraft_domain::api::sources::NetworkSettings;

    fn network(host: &str) -> NetworkSettings {
        NetworkSettings {
            host: host.into(),
            port: 5432,
            database: "shop".into(),
            user: "reader".into(),
            ca_certificate: None,
            server_name: None,
            unencrypted: false,
        }
    }

    #[test]
    fn a_network_source_reads_as_host_port_and_database() {
        assert_eq!(location(&ConnectionSettings::Postgres(network("db.example.com"))), "db.example.com:5432/shop");
        assert_eq!(location(&ConnectionSettings::Mysql(network("::1"))), "[::1]:5432/shop");
    }

    #[test]
    fn a_sqlite_source_reads_as_its_file() {
        assert_eq!(location(&ConnectionSettings::Sqlite { file: "demo/shop.db".into() }), "demo/shop.db");
    }
}
