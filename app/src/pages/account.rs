//! The signed-in user's own account: who they are, where they are a member, their password.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::auth::{ChangePasswordRequest, CreateOrganisationRequest};

use crate::api::{self, ClientError};
use crate::components::{ErrorMessage, Field, MIN_PASSWORD_CHARS};
use crate::session::Session;

#[component]
pub fn AccountPage(session: Session) -> impl IntoView {
    let me = session.auth.with_untracked(|a| a.me().cloned());
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ClientError>);
    let changed = RwSignal::new(false);

    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let request =
            ChangePasswordRequest { current_password: current.get_untracked(), new_password: new.get_untracked() };
        busy.set(true);
        error.set(None);
        changed.set(false);
        spawn_local(async move {
            match api::change_password(&request).await {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    changed.set(true);
                }
                Err(failure) => error.set(Some(failure)),
            }
            busy.set(false);
        });
    };

    let organisation_name = RwSignal::new(String::new());
    let creating = RwSignal::new(false);
    let create_error = RwSignal::new(None::<ClientError>);
    let create_organisation = move || {
        if creating.get_untracked() {
            return;
        }
        let request = CreateOrganisationRequest { name: organisation_name.get_untracked() };
        creating.set(true);
        create_error.set(None);
        spawn_local(async move {
            match api::create_organisation(&request).await {
                // The new organisation is now the active one; the header and pages follow.
                Ok(me) => session.signed_in(me),
                Err(failure) => create_error.set(Some(failure)),
            }
            creating.set(false);
        });
    };

    view! {
        <section class="narrow stack">
            {me.map(|me| view! {
                <div class="card stack">
                    <h2>"Your account"</h2>
                    <dl class="facts">
                        <dt>"Name"</dt><dd>{me.user.display_name}</dd>
                        <dt>"E-mail"</dt><dd>{me.user.email}</dd>
                        <dt>"Organisations"</dt>
                        <dd>
                            <ul class="plain-list">
                                {me.memberships.into_iter().map(|m| view! {
                                    <li>{m.organisation_name} " " <span class="badge role">{m.role.label()}</span></li>
                                }).collect_view()}
                            </ul>
                        </dd>
                    </dl>
                </div>
            })}
            <form class="card stack" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <h2>"Change password"</h2>
                <Field id="password-current" label="Current password" testid="password-current" value=current
                    kind="password" autocomplete="current-password" />
                <Field id="password-new" label="New password" testid="password-new" value=new kind="password"
                    autocomplete="new-password" min_length=MIN_PASSWORD_CHARS
                    hint="At least 10 characters. Your other sessions are signed out." />
                {move || error.get().map(|error| view! { <ErrorMessage error=error /> })}
                {move || changed.get().then(|| view! {
                    <p class="success" role="status" data-testid="password-changed">"Password changed. Other sessions were signed out."</p>
                })}
                <div>
                    <button type="submit" class="button primary" data-testid="password-submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Changing…" } else { "Change password" }}
                    </button>
                </div>
            </form>
            <form class="card stack" on:submit=move |ev| { ev.prevent_default(); create_organisation(); }>
                <h2>"Start a new organisation"</h2>
                <p class="muted small">"You will be its owner. Its sources, members and keys are separate from your other organisations'."</p>
                <Field id="organisation-name" label="Organisation name" testid="organisation-name" value=organisation_name />
                {move || create_error.get().map(|error| view! { <ErrorMessage error=error /> })}
                <div>
                    <button type="submit" class="button secondary" data-testid="organisation-create" disabled=move || creating.get()>
                        {move || if creating.get() { "Creating…" } else { "Create organisation" }}
                    </button>
                </div>
            </form>
        </section>
    }
}
