//! Members of the active organisation, their roles, and invitations to join it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::auth::{Permission, Role};
use vizkraft_domain::api::dashboards::SharingPolicy;
use vizkraft_domain::api::members::{ChangeRoleRequest, CreateInvitationRequest, InvitationSummary, MemberSummary};

use crate::api::{self, ClientError};
use crate::components::{confirmed, grantable_roles, CopyField, ErrorMessage, RoleSelect, Timestamp};
use crate::session::Session;
use crate::state::Remote;

/// Whether a member with `own` may change or remove a member who is `theirs`: owners are
/// changed only by owners (the relay's `ManageOwners`).
pub fn may_manage(own: Role, theirs: Role) -> bool {
    own.allows(Permission::ManageMembers) && (theirs != Role::Owner || own.allows(Permission::ManageOwners))
}

#[component]
pub fn MembersPage(session: Session) -> impl IntoView {
    let own_role = session.auth.with_untracked(|a| a.role()).unwrap_or(Role::Viewer);
    let own_id = session.auth.with_untracked(|a| a.me().map(|me| me.user.id.clone())).unwrap_or_default();
    let members = RwSignal::new(Remote::<Vec<MemberSummary>>::Loading);
    let invitations = RwSignal::new(Remote::<Vec<InvitationSummary>>::Loading);
    // The last failed change; shown above the list until the next action.
    let action_error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);

    let load_members = move || {
        spawn_local(async move { members.set(api::list_members().await.map(|r| r.members).into()) });
    };
    let load_invitations = move || {
        spawn_local(async move { invitations.set(api::list_invitations().await.map(|r| r.invitations).into()) });
    };
    load_members();
    load_invitations();

    let change_role = move |user_id: String, role: Role| {
        busy.set(true);
        action_error.set(None);
        spawn_local(async move {
            if let Err(failure) = api::change_member_role(&user_id, &ChangeRoleRequest { role }).await {
                action_error.set(Some(failure));
                // A changed `<select>` keeps the picked option when re-rendered with the same
                // data; redrawing the list from scratch shows the role still held.
                members.set(Remote::Loading);
            }
            load_members();
            busy.set(false);
        });
    };
    let remove = move |member: MemberSummary| {
        if !confirmed(&format!("Remove {} ({}) from this organisation?", member.display_name, member.email)) {
            return;
        }
        busy.set(true);
        action_error.set(None);
        spawn_local(async move {
            match api::remove_member(&member.user_id).await {
                Ok(()) => load_members(),
                Err(failure) => action_error.set(Some(failure)),
            }
            busy.set(false);
        });
    };
    let revoke_invitation = move |id: String| {
        if !confirmed("Revoke this invitation? Its link stops working.") {
            return;
        }
        action_error.set(None);
        spawn_local(async move {
            match api::revoke_invitation(&id).await {
                Ok(()) => load_invitations(),
                Err(failure) => action_error.set(Some(failure)),
            }
        });
    };

    let member_rows = move |list: Vec<MemberSummary>| {
        let own_id = own_id.clone();
        list.into_iter()
            .map(|member| {
                let manageable = may_manage(own_role, member.role);
                let is_you = member.user_id == own_id;
                let (id_for_role, for_removal) = (member.user_id.clone(), member.clone());
                view! {
                    <tr data-testid="member-row" data-email=member.email.clone()>
                        <td>
                            <div class="who">{member.display_name.clone()}{is_you.then_some(" (you)")}</div>
                            <div class="muted small">{member.email.clone()}</div>
                        </td>
                        <td>
                            <RoleSelect id=format!("role-{}", member.user_id) testid="member-role"
                                label=format!("Role of {}", member.display_name)
                                options=grantable_roles(own_role) selected=member.role
                                disabled=Signal::derive(move || busy.get() || !manageable)
                                on_pick=move |role| change_role(id_for_role.clone(), role) />
                        </td>
                        <td class="hide-narrow"><Timestamp at=member.joined_at.clone() /></td>
                        <td class="actions">
                            <button type="button" class="button danger-quiet" data-testid="member-remove"
                                disabled=move || busy.get() || !manageable
                                on:click=move |_| remove(for_removal.clone())>
                                {if is_you { "Leave" } else { "Remove" }}
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <section class="admin-page">
            <div class="page-head">
                <h1>"Members"</h1>
                <p class="muted">"Who belongs to this organisation and what their role lets them do."</p>
            </div>
            {move || action_error.get().map(|error| view! { <ErrorMessage error=error /> })}
            <div class="card">
                {move || match members.get() {
                    Remote::Loading => view! { <p class="muted">"Loading members…"</p> }.into_any(),
                    Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                    Remote::Ready(list) => view! {
                        <div class="table-scroll plain">
                            <table class="admin-table">
                                <thead><tr><th>"Member"</th><th>"Role"</th><th class="hide-narrow">"Joined"</th><th></th></tr></thead>
                                <tbody>{member_rows(list)}</tbody>
                            </table>
                        </div>
                    }.into_any(),
                }}
            </div>
            <InvitationsCard own_role=own_role invitations=invitations
                on_created=move || load_invitations() on_revoke=revoke_invitation />
            <SharingPolicyCard />
        </section>
    }
}

/// How long the organisation's dashboard share links may last.
#[component]
fn SharingPolicyCard() -> impl IntoView {
    let days = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<u32, ClientError>>);
    spawn_local(async move {
        match api::sharing_policy().await {
            Ok(policy) => days.set(policy.share_link_max_days.to_string()),
            Err(e) => outcome.set(Some(Err(e))),
        }
    });
    let save = move || {
        // Not a number goes as 0, for the relay to refuse with the allowed range.
        let share_link_max_days = days.get_untracked().trim().parse().unwrap_or(0);
        spawn_local(async move {
            let saved = api::change_sharing_policy(&SharingPolicy { share_link_max_days }).await;
            outcome.set(Some(saved.map(|p| p.share_link_max_days)));
        });
    };
    view! {
        <form class="card stack" data-testid="sharing-policy" on:submit=move |ev| { ev.prevent_default(); save(); }>
            <h2>"Share links"</h2>
            <p class="muted small">"A dashboard's share link opens it without an account until it expires. \
                Lowering the limit shortens the links already out."</p>
            <div class="dashboard-filter-builder">
                <label class="muted small">"Links last at most "
                    <input type="number" min="1" max="365" class="days" data-testid="sharing-max-days"
                        prop:value=move || days.get() on:input=move |ev| days.set(event_target_value(&ev)) />
                    " days"</label>
                <button type="submit" class="button primary small" data-testid="sharing-save">"Save"</button>
            </div>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(most) => view! { <p class="muted small" role="status" data-testid="sharing-saved">{format!("Share links now last at most {most} days.")}</p> }.into_any(),
                Err(e) => view! { <ErrorMessage error=e /> }.into_any(),
            })}
        </form>
    }
}

#[component]
fn InvitationsCard(
    own_role: Role,
    invitations: RwSignal<Remote<Vec<InvitationSummary>>>,
    on_created: impl Fn() + Copy + 'static,
    on_revoke: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let role = RwSignal::new(Role::Viewer);
    let email = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ClientError>);
    // The full link, shown until the next invitation or until the page closes; the relay
    // keeps only the token's hash, so this is the one chance to copy it.
    let link = RwSignal::new(None::<String>);

    let create = move || {
        if busy.get_untracked() {
            return;
        }
        let typed = email.get_untracked().trim().to_owned();
        let request =
            CreateInvitationRequest { role: role.get_untracked(), email: (!typed.is_empty()).then_some(typed) };
        busy.set(true);
        error.set(None);
        link.set(None);
        spawn_local(async move {
            match api::create_invitation(&request).await {
                Ok(created) => {
                    let origin = window().location().origin().unwrap_or_default();
                    link.set(Some(format!("{origin}{}", created.link_path)));
                    email.set(String::new());
                    on_created();
                }
                Err(failure) => error.set(Some(failure)),
            }
            busy.set(false);
        });
    };

    view! {
        <div class="card stack">
            <h2>"Invite someone"</h2>
            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); create(); }>
                <div class="field">
                    <label class="field-label" for="invite-role">"Role"</label>
                    <RoleSelect id="invite-role".to_owned() testid="invite-role" options=grantable_roles(own_role)
                        selected=Role::Viewer on_pick=move |picked| role.set(picked) />
                </div>
                <div class="field grow">
                    <label class="field-label" for="invite-email-input">"E-mail (optional, for your records)"</label>
                    <input id="invite-email-input" type="email" data-testid="invite-email-input" autocomplete="off"
                        placeholder="name@example.com"
                        prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev)) />
                </div>
                <button type="submit" class="button primary" data-testid="invite-create" disabled=move || busy.get()>
                    {move || if busy.get() { "Creating…" } else { "Create invitation link" }}
                </button>
            </form>
            {move || error.get().map(|error| view! { <ErrorMessage error=error /> })}
            {move || link.get().map(|text| view! {
                <div class="one-time">
                    <CopyField text=text testid="invite-link" label="Invitation link" />
                    <p class="small muted">"Send this link to the person you invite. It works once and is shown only now."</p>
                </div>
            })}
            <h3 class="section-title">"Open invitations"</h3>
            {move || match invitations.get() {
                Remote::Loading => view! { <p class="muted">"Loading invitations…"</p> }.into_any(),
                Remote::Failed(error) => view! { <ErrorMessage error=error /> }.into_any(),
                Remote::Ready(list) => {
                    let open: Vec<_> = list.into_iter().filter(|i| !i.accepted).collect();
                    if open.is_empty() {
                        view! { <p class="muted small">"No open invitations."</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-scroll plain">
                                <table class="admin-table">
                                    <thead><tr><th>"For"</th><th>"Role"</th><th class="hide-narrow">"Expires"</th><th></th></tr></thead>
                                    <tbody>
                                        {open.into_iter().map(|invitation| {
                                            let id = invitation.id.clone();
                                            view! {
                                                <tr data-testid="invitation-row" data-invitation-id=invitation.id.clone()>
                                                    <td>{invitation.email.unwrap_or_else(|| "Anyone with the link".to_owned())}</td>
                                                    <td><span class="badge role">{invitation.role.label()}</span></td>
                                                    <td class="hide-narrow"><Timestamp at=invitation.expires_at /></td>
                                                    <td class="actions">
                                                        <button type="button" class="button danger-quiet" data-testid="invitation-revoke"
                                                            on:click=move |_| on_revoke(id.clone())>"Revoke"</button>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                }
            }}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_manage_everyone_but_owners_and_owners_manage_everyone() {
        assert!(may_manage(Role::Admin, Role::Editor));
        assert!(may_manage(Role::Admin, Role::Admin));
        assert!(!may_manage(Role::Admin, Role::Owner));
        assert!(may_manage(Role::Owner, Role::Owner));
        assert!(!may_manage(Role::Editor, Role::Viewer));
    }
}
