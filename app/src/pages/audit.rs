//! The audit log of the active organisation: sign-ins, role changes, keys, sources, newest first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::audit::{AuditEvent, AuditEventKind};

use crate::api;
use crate::components::{ErrorMessage, Timestamp};
use crate::state::Remote;

/// The kind's wire name, for `data-kind`: what the relay stores and tests match on.
pub fn kind_value(kind: AuditEventKind) -> String {
    match serde_json::to_value(kind) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{kind:?}"),
    }
}

pub fn kind_label(kind: AuditEventKind) -> &'static str {
    match kind {
        AuditEventKind::SignedIn => "Signed in",
        AuditEventKind::SignInFailed => "Sign-in failed",
        AuditEventKind::SignedOut => "Signed out",
        AuditEventKind::PasswordChanged => "Password changed",
        AuditEventKind::OrganisationCreated => "Organisation created",
        AuditEventKind::InvitationCreated => "Invitation created",
        AuditEventKind::InvitationAccepted => "Invitation accepted",
        AuditEventKind::RoleChanged => "Role changed",
        AuditEventKind::MemberRemoved => "Member removed",
        AuditEventKind::ApiKeyCreated => "API key created",
        AuditEventKind::ApiKeyUsed => "API key used",
        AuditEventKind::ApiKeyRevoked => "API key revoked",
        AuditEventKind::SourceAdded => "Data source added",
        AuditEventKind::SourceChanged => "Data source changed",
        AuditEventKind::SourceRemoved => "Data source removed",
        AuditEventKind::ChartSaved => "Chart saved",
        AuditEventKind::ChartChanged => "Chart changed",
        AuditEventKind::ChartDeleted => "Chart deleted",
        AuditEventKind::DashboardArchived => "Dashboard archived",
        AuditEventKind::DashboardRestored => "Dashboard restored",
        AuditEventKind::ShareLinkCreated => "Share link created",
        AuditEventKind::ShareLinkRevoked => "Share link revoked",
        AuditEventKind::ShareLinkRotated => "Share link given a new URL",
        AuditEventKind::SharingPolicyChanged => "Share link limit changed",
    }
}

/// Failures and removals stand out in the list.
fn is_warning(kind: AuditEventKind) -> bool {
    matches!(
        kind,
        AuditEventKind::SignInFailed
            | AuditEventKind::MemberRemoved
            | AuditEventKind::ApiKeyRevoked
            | AuditEventKind::SourceRemoved
            | AuditEventKind::ShareLinkRevoked
    )
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let events = RwSignal::new(Remote::<Vec<AuditEvent>>::Loading);
    let load = move || {
        events.set(Remote::Loading);
        spawn_local(async move { events.set(api::list_audit().await.map(|r| r.events).into()) });
    };
    load();

    view! {
        <section class="admin-page">
            <div class="page-head with-action">
                <div>
                    <h1>"Audit log"</h1>
                    <p class="muted">"Security events in this organisation, newest first. It never records passwords or secrets."</p>
                </div>
                <button type="button" class="button secondary" data-testid="audit-refresh" on:click=move |_| load()>"Refresh"</button>
            </div>
            <div class="card">
                {move || match events.get() {
                    Remote::Loading => view! { <p class="muted">"Loading events…"</p> }.into_any(),
                    Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                    Remote::Ready(list) if list.is_empty() => view! { <p class="muted">"No events yet."</p> }.into_any(),
                    Remote::Ready(list) => view! {
                        <div class="table-scroll plain">
                            <table class="admin-table">
                                <thead><tr><th>"When"</th><th>"Event"</th><th>"Who"</th><th>"About"</th><th class="hide-narrow">"From"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|event| view! {
                                        <tr data-testid="audit-row" data-kind=kind_value(event.kind)>
                                            <td class="nowrap small"><Timestamp at=event.at /></td>
                                            <td><span class="event" class:warning=is_warning(event.kind)>{kind_label(event.kind)}</span></td>
                                            <td>{event.actor.unwrap_or_default()}</td>
                                            <td class="wrap">{event.subject.unwrap_or_default()}</td>
                                            <td class="hide-narrow muted small">{event.address.unwrap_or_default()}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }}
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_kind_is_the_wire_name_of_the_event() {
        assert_eq!(kind_value(AuditEventKind::SignInFailed), "sign_in_failed");
        assert_eq!(kind_value(AuditEventKind::ApiKeyCreated), "api_key_created");
    }
}
