//! Dashboards: the organisation's list, a builder that lays saved charts and a note out on a
//! grid with a filter, one dashboard at `/dashboards?id=…` (its tab and filters in the
//! address too), and its share links for those who may share.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::charts::SavedChart;
use vizkraft_domain::api::dashboards::{
    Dashboard, DashboardDefinition, DashboardFilter, DashboardRequest, FilterBinding, FilterKind, FilterValues,
    ShareLinkRequest, ShareLinkSummary, SharedChart, Tile, TileContent,
};

use crate::api::{self, ClientError, TileSource};
use crate::components::{
    address_filter_values, address_query_value, confirmed, format_timestamp, value_text, CopyField, DashboardView,
    ErrorMessage,
};
use crate::state::Remote;

/// What the builder collects.
#[derive(Clone, Default)]
struct Draft {
    name: String,
    charts: Vec<String>,
    /// The charts the filter applies to (the author links filter and tiles).
    filtered: Vec<String>,
    note: String,
    filter_label: String,
    filter_kind: Option<FilterKind>,
    filter_column: String,
}

/// Charts two to a row, six columns each; the note, if any, on a tab of its own; the filter
/// bound to the named column of the charts the author ticked.
fn definition_of(draft: &Draft) -> DashboardDefinition {
    let filter = draft.filter_kind.filter(|_| !draft.filter_label.trim().is_empty()).map(|kind| DashboardFilter {
        id: "f1".into(),
        label: draft.filter_label.trim().to_owned(),
        kind,
    });
    let bindings: Vec<FilterBinding> = filter
        .iter()
        .map(|f| FilterBinding { filter_id: f.id.clone(), column: draft.filter_column.trim().to_owned() })
        .collect();
    let mut tiles: Vec<Tile> = draft
        .charts
        .iter()
        .enumerate()
        .map(|(i, chart_id)| Tile {
            id: format!("c{}", i + 1),
            tab: 0,
            x: (i as u32 % 2) * 6,
            y: (i as u32 / 2) * 4,
            w: 6,
            h: 4,
            content: TileContent::Chart {
                chart_id: chart_id.clone(),
                bindings: if draft.filtered.contains(chart_id) { bindings.clone() } else { Vec::new() },
            },
        })
        .collect();
    let mut tabs = vec!["Overview".to_owned()];
    if !draft.note.trim().is_empty() {
        tabs.push("Notes".to_owned());
        tiles.push(Tile {
            id: "note".into(),
            tab: 1,
            x: 0,
            y: 0,
            w: 12,
            h: 2,
            content: TileContent::Text { markdown: draft.note.clone() },
        });
    }
    DashboardDefinition { tabs, tiles, filters: filter.into_iter().collect() }
}

#[component]
pub fn DashboardsPage(can_edit: bool, can_share: bool) -> impl IntoView {
    match address_query_value("id") {
        Some(id) => view! { <OneDashboard id=id can_edit=can_edit can_share=can_share /> }.into_any(),
        None => view! { <DashboardList can_edit=can_edit /> }.into_any(),
    }
}

#[component]
fn DashboardList(can_edit: bool) -> impl IntoView {
    let dashboards = RwSignal::new(Remote::<Vec<Dashboard>>::Loading);
    let archived = RwSignal::new(false);
    let charts = RwSignal::new(Vec::<SavedChart>::new());
    let draft = RwSignal::new(Draft::default());
    let error = RwSignal::new(None::<ClientError>);
    Effect::new(move |_| {
        let archived = archived.get();
        spawn_local(async move { dashboards.set(api::list_dashboards(archived).await.map(|r| r.dashboards).into()) });
    });
    // Archive, restore or (archived ones only) delete; then the list again.
    let act = move |id: String, action: ListAction| {
        if action == ListAction::Delete
            && !confirmed("Delete this dashboard for good? Its definition cannot be recovered.")
        {
            return;
        }
        spawn_local(async move {
            let outcome = match action {
                ListAction::Archive => api::archive_dashboard(&id, true).await.map(drop),
                ListAction::Restore => api::archive_dashboard(&id, false).await.map(drop),
                ListAction::Delete => api::delete_dashboard(&id).await,
            };
            error.set(outcome.err());
            // The same view again: notifying reloads the list.
            archived.update(|_| ());
        });
    };
    if can_edit {
        spawn_local(async move {
            if let Ok(list) = api::list_charts().await {
                charts.set(list.charts);
            }
        });
    }
    let create = move || {
        let request = draft.with_untracked(|d| DashboardRequest { name: d.name.clone(), definition: definition_of(d) });
        spawn_local(async move {
            match api::create_dashboard(&request).await {
                Ok(created) => {
                    error.set(None);
                    draft.set(Draft::default());
                    open(&created.id);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <section class="page stack">
            <div class="dashboard-head">
                <h1>{move || if archived.get() { "Archived dashboards" } else { "Dashboards" }}</h1>
                <span class="spacer"></span>
                <label class="check muted small">
                    <input type="checkbox" data-testid="dashboards-show-archived" prop:checked=move || archived.get()
                        on:change=move |ev| archived.set(event_target_checked(&ev)) />
                    "Show the archived ones"
                </label>
            </div>
            {move || match dashboards.get() {
                Remote::Loading => view! { <p class="muted">"Loading dashboards…"</p> }.into_any(),
                Remote::Failed(e) => view! { <ErrorMessage error=e /> }.into_any(),
                Remote::Ready(list) if list.is_empty() => view! {
                    <p class="muted">{if archived.get_untracked() { "Nothing is archived." } else { "No dashboards yet." }}</p>
                }.into_any(),
                Remote::Ready(list) => view! {
                    <ul class="chart-list" data-testid="dashboard-list">
                        {list.into_iter().map(|d| {
                            let id = d.id.clone();
                            let is_archived = d.archived_at.is_some();
                            let (first, second) = if is_archived {
                                ((ListAction::Restore, "Restore"), Some((ListAction::Delete, "Delete")))
                            } else {
                                ((ListAction::Archive, "Archive"), None)
                            };
                            let button = move |(action, label): (ListAction, &'static str)| {
                                let id = d.id.clone();
                                view! {
                                    <button type="button" class="button secondary small" data-testid=format!("dashboard-{}", label.to_lowercase())
                                        on:click=move |_| act(id.clone(), action)>{label}</button>
                                }
                            };
                            view! {
                                <li class="card chart-item-head" data-testid="dashboard-item">
                                    <strong>{d.name.clone()}</strong>
                                    <span class="muted small">{format!("{} tiles · changed by {} {}", d.definition.tiles.len(), d.updated_by, format_timestamp(&d.updated_at))}</span>
                                    <span class="spacer"></span>
                                    <button type="button" class="button primary small" data-testid="dashboard-open" on:click=move |_| open(&id)>"Open"</button>
                                    {can_edit.then(|| view! { {button(first)} {second.map(button)} })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            {can_edit.then(|| view! {
                <form class="card stack" data-testid="dashboard-builder" on:submit=move |ev| { ev.prevent_default(); create(); }>
                    <h2>"New dashboard"</h2>
                    <label class="field-label" for="dashboard-name">"Name"</label>
                    <input id="dashboard-name" type="text" data-testid="dashboard-name-input"
                        prop:value=move || draft.with(|d| d.name.clone()) on:input=move |ev| draft.update(|d| d.name = event_target_value(&ev)) />
                    <span class="field-label">"Charts"</span>
                    {move || charts.get().into_iter().map(|chart| {
                        let (id, filtered_id) = (chart.id.clone(), chart.id.clone());
                        let toggle = move |list: fn(&mut Draft) -> &mut Vec<String>, id: String, on: bool| {
                            draft.update(|d| {
                                let list = list(d);
                                list.retain(|c| *c != id);
                                if on {
                                    list.push(id);
                                }
                            })
                        };
                        view! {
                            <div class="dashboard-chart-row">
                                <label class="check">
                                    <input type="checkbox" data-testid="dashboard-chart-choice" data-chart-id=chart.id.clone()
                                        on:change=move |ev| toggle(|d| &mut d.charts, id.clone(), event_target_checked(&ev)) />
                                    {chart.name}
                                </label>
                                <label class="check muted small">
                                    <input type="checkbox" data-testid="dashboard-chart-filtered"
                                        on:change=move |ev| toggle(|d| &mut d.filtered, filtered_id.clone(), event_target_checked(&ev)) />
                                    "the filter applies"
                                </label>
                            </div>
                        }
                    }).collect_view()}
                    <label class="field-label" for="dashboard-note">"A note (its own tab)"</label>
                    <textarea id="dashboard-note" rows="2" data-testid="dashboard-note"
                        on:input=move |ev| draft.update(|d| d.note = event_target_value(&ev))></textarea>
                    <span class="field-label">"A filter (optional), on the charts ticked above"</span>
                    <div class="dashboard-filter-builder">
                        <input type="text" placeholder="Label, e.g. Country" data-testid="dashboard-filter-label"
                            on:input=move |ev| draft.update(|d| d.filter_label = event_target_value(&ev)) />
                        <select data-testid="dashboard-filter-kind" on:change=move |ev| draft.update(|d| d.filter_kind = match event_target_value(&ev).as_str() {
                            "category" => Some(FilterKind::Category),
                            "number" => Some(FilterKind::Number),
                            "date_range" => Some(FilterKind::DateRange),
                            _ => None,
                        })>
                            <option value="">"no filter"</option>
                            <option value="category">"a category"</option>
                            <option value="number">"a number"</option>
                            <option value="date_range">"a date range"</option>
                        </select>
                        <input type="text" placeholder="on the column named" data-testid="dashboard-filter-column"
                            on:input=move |ev| draft.update(|d| d.filter_column = event_target_value(&ev)) />
                    </div>
                    {move || error.get().map(|e| view! { <ErrorMessage error=e /> })}
                    <div><button type="submit" class="button primary" data-testid="dashboard-create"
                        disabled=move || draft.with(|d| d.name.trim().is_empty() || d.charts.is_empty())>"Create dashboard"</button></div>
                </form>
            })}
        </section>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ListAction {
    Archive,
    Restore,
    Delete,
}

/// Opens a dashboard by loading its address: the page starts fresh with its state there.
fn open(id: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(&format!("/dashboards?id={id}"));
    }
}

#[component]
fn OneDashboard(id: String, can_edit: bool, can_share: bool) -> impl IntoView {
    let loaded = RwSignal::new(Remote::<(Dashboard, BTreeMap<String, SharedChart>)>::Loading);
    let saved = RwSignal::new(None::<Result<(), ClientError>>);
    let dashboard_id = id.clone();
    spawn_local(async move {
        let loaded_value = async {
            let dashboard = api::get_dashboard(&dashboard_id).await?;
            let charts = api::list_charts().await?;
            let charts = charts
                .charts
                .into_iter()
                .map(|c| (c.id, SharedChart { name: c.name, chart: c.chart }))
                .collect::<BTreeMap<_, _>>();
            Ok::<_, ClientError>((dashboard, charts))
        };
        loaded.set(loaded_value.await.into());
    });
    view! {
        {move || match loaded.get() {
            Remote::Loading => view! { <p class="muted page-note">"Loading the dashboard…"</p> }.into_any(),
            Remote::Failed(e) => view! { <section class="page"><ErrorMessage error=e /></section> }.into_any(),
            Remote::Ready((dashboard, charts)) => {
                let id = dashboard.id.clone();
                let archived = dashboard.archived_at.is_some();
                // Saved, the dashboard is shown anew from what the relay kept.
                let on_save = (can_edit && !archived).then(|| {
                    let (id, charts) = (id.clone(), charts.clone());
                    Callback::new(move |request: DashboardRequest| {
                        let (id, charts) = (id.clone(), charts.clone());
                        spawn_local(async move {
                            match api::change_dashboard(&id, &request).await {
                                Ok(changed) => {
                                    saved.set(Some(Ok(())));
                                    loaded.set(Remote::Ready((changed, charts)));
                                }
                                Err(e) => saved.set(Some(Err(e))),
                            }
                        });
                    })
                });
                let filters = dashboard.definition.filters.clone();
                view! {
                    {archived.then(|| view! {
                        <p class="note page-note" data-testid="dashboard-archived">"This dashboard is archived: it cannot change or be shared until it is restored from the list."</p>
                    })}
                    {move || saved.get().map(|saved| match saved {
                        Ok(()) => view! { <p class="muted small page-note" data-testid="dashboard-saved">"Saved."</p> }.into_any(),
                        Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
                    })}
                    <DashboardView name=dashboard.name definition=dashboard.definition charts=charts
                        source=TileSource::Dashboard(dashboard.id.clone())
                        keep_in_address=vec![("id".to_owned(), dashboard.id.clone())]
                        on_save=on_save />
                    {(can_share && !archived).then(|| view! { <SharePanel dashboard_id=id filters=filters /> })}
                }.into_any()
            }
        }}
    }
}

/// The dashboard's share links: new ones (optionally with the filters locked at their values
/// now), and every link this member may manage, with its locked values, expiry and last use.
#[component]
fn SharePanel(dashboard_id: String, filters: Vec<DashboardFilter>) -> impl IntoView {
    let lock = RwSignal::new(false);
    let filters = StoredValue::new(filters);
    let locked_text = move |values: &FilterValues| {
        filters.with_value(|filters| {
            let shown: Vec<String> = values
                .iter()
                .map(|(id, value)| {
                    let label = filters.iter().find(|f| &f.id == id).map_or(id.as_str(), |f| f.label.as_str());
                    format!("{label} = {}", value_text(value))
                })
                .collect();
            if shown.is_empty() {
                "none".to_owned()
            } else {
                shown.join(", ")
            }
        })
    };
    let links = RwSignal::new(Remote::<Vec<ShareLinkSummary>>::Loading);
    let days = RwSignal::new("7".to_owned());
    let longest = RwSignal::new(None::<u32>);
    spawn_local(async move {
        if let Ok(policy) = api::sharing_policy().await {
            longest.set(Some(policy.share_link_max_days));
            days.update(|d| {
                if d.parse::<u32>().is_ok_and(|days| days > policy.share_link_max_days) {
                    *d = policy.share_link_max_days.to_string();
                }
            });
        }
    });
    let new_url = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ClientError>);
    let id = StoredValue::new(dashboard_id);
    let load = move || {
        let id = id.get_value();
        spawn_local(async move { links.set(api::list_share_links(&id).await.map(|r| r.links).into()) })
    };
    load();
    let show_url = move |path: String| {
        let origin = web_sys::window().and_then(|w| w.location().origin().ok()).unwrap_or_default();
        new_url.set(Some(format!("{origin}{path}")));
    };
    let create = move || {
        let locked_filters =
            if lock.get_untracked() { filters.with_value(|f| address_filter_values(f)) } else { FilterValues::new() };
        let request = ShareLinkRequest { expires_in_days: days.get_untracked().trim().parse().ok(), locked_filters };
        let id = id.get_value();
        spawn_local(async move {
            match api::create_share_link(&id, &request).await {
                Ok(created) => {
                    show_url(created.path);
                    error.set(None);
                    load();
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let act = move |link_id: Option<String>, rotate: bool| {
        let id = id.get_value();
        spawn_local(async move {
            let outcome = match (link_id, rotate) {
                (Some(link), true) => api::rotate_share_link(&id, &link).await.map(|c| show_url(c.path)),
                (Some(link), false) => api::revoke_share_link(&id, &link).await,
                (None, _) => api::revoke_all_share_links(&id).await,
            };
            if let Err(e) = outcome {
                error.set(Some(e));
            }
            load();
        });
    };
    view! {
        <section class="card stack share-panel" data-testid="share-panel">
            <h2>"Share links"</h2>
            <p class="muted small">"A link opens this dashboard without an account and runs its charts live; it can do nothing else."</p>
            <div class="dashboard-filter-builder">
                <label class="muted small">"Expires after " <input type="number" min="1" max=move || longest.get().map(|d| d.to_string()) class="days" data-testid="share-days"
                    prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev)) />
                    {move || match longest.get() { Some(most) => format!(" days (at most {most}, set by admins)"), None => " days".to_owned() }}</label>
                {filters.with_value(|f| !f.is_empty()).then(|| view! {
                    <label class="check muted small">
                        <input type="checkbox" data-testid="share-lock" on:change=move |ev| lock.set(event_target_checked(&ev)) />
                        "Lock the filters at their values now"
                    </label>
                })}
                <button type="button" class="button primary small" data-testid="share-create" on:click=move |_| create()>"Create link"</button>
                <button type="button" class="button secondary small" data-testid="share-revoke-all" on:click=move |_| act(None, false)>"Revoke all"</button>
            </div>
            {move || new_url.get().map(|url| view! {
                <div><p class="small">"Copy the link now; it is not shown again."</p>
                    <CopyField text=url testid="share-url" label="Share link" /></div>
            })}
            {move || error.get().map(|e| view! { <ErrorMessage error=e /> })}
            {move || match links.get() {
                Remote::Ready(list) => view! {
                    <table class="admin-table" data-testid="share-links">
                        <thead><tr><th>"Created"</th><th>"By"</th><th>"Locked filters"</th><th>"Expires"</th><th>"Last used"</th><th></th></tr></thead>
                        <tbody>
                            {list.into_iter().map(|link| {
                                let (revoke_id, rotate_id) = (link.id.clone(), link.id.clone());
                                let live = link.revoked_at.is_none();
                                view! {
                                    <tr data-testid="share-link" data-revoked=(!live).to_string()>
                                        <td>{format_timestamp(&link.created_at)}</td>
                                        <td>{link.created_by}</td>
                                        <td data-testid="share-link-locked">{locked_text(&link.locked_filters)}</td>
                                        <td>{if live { format_timestamp(&link.expires_at) } else { "revoked".to_owned() }}</td>
                                        <td>{link.last_used_at.as_deref().map(format_timestamp).unwrap_or_else(|| "never".to_owned())}</td>
                                        <td>{live.then(|| view! {
                                            <button type="button" class="button secondary small" data-testid="share-rotate"
                                                on:click=move |_| act(Some(rotate_id.clone()), true)>"New URL"</button>
                                            <button type="button" class="button secondary small" data-testid="share-revoke"
                                                on:click=move |_| act(Some(revoke_id.clone()), false)>"Revoke"</button>
                                        })}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
                Remote::Failed(e) => view! { <ErrorMessage error=e /> }.into_any(),
                Remote::Loading => ().into_any(),
            }}
        </section>
    }
}
