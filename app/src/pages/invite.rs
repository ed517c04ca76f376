//! Accepting an invitation (`/invite#<token>`): a signed-in visitor joins with their account,
//! anyone else creates one here, or signs in first and comes back.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::members::AcceptInvitationRequest;

use crate::api::{self, ClientError};
use crate::components::{ErrorMessage, Field, MIN_PASSWORD_CHARS};
use crate::session::Session;
use crate::Route;

#[component]
pub fn InvitePage(session: Session) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ClientError>);
    let me = Memo::new(move |_| session.auth.with(|a| a.me().map(|me| me.user.clone())));

    let accept = move || {
        let Some(token) = session.link_token.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        // Signed in, the relay takes the session's account and ignores these fields.
        let new_account = me.get_untracked().is_none();
        let field = |value: RwSignal<String>| new_account.then(|| value.get_untracked().trim().to_owned());
        let request = AcceptInvitationRequest {
            token,
            email: field(email),
            display_name: field(name),
            password: new_account.then(|| password.get_untracked()),
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::accept_invitation(&request).await {
                Ok(joined) => {
                    session.link_token.set(None);
                    password.set(String::new());
                    session.navigate(Route::Ask);
                    session.signed_in(joined);
                }
                Err(failure) => error.set(Some(failure)),
            }
            busy.set(false);
        });
    };

    let submit_label = move || if busy.get() { "Joining…" } else { "Accept invitation" };

    view! {
        <section class="narrow">
            {move || if session.link_token.with(Option::is_none) {
                view! {
                    <div class="card stack">
                        <h2>"Invitation"</h2>
                        <p>"This invitation link is incomplete. Open the whole link you were sent, or ask for a new one."</p>
                    </div>
                }.into_any()
            } else if let Some(user) = me.get() {
                view! {
                    <form class="card stack auth-card" on:submit=move |ev| { ev.prevent_default(); accept(); }>
                        <h2>"You have been invited"</h2>
                        <p>"Join the organisation that invited you with your account, "
                            <strong>{user.display_name}</strong> " (" {user.email} ")."</p>
                        {move || error.get().map(|error| view! { <ErrorMessage error=error /> })}
                        <div>
                            <button type="submit" class="button primary" data-testid="invite-submit"
                                disabled=move || busy.get()>{submit_label}</button>
                        </div>
                    </form>
                }.into_any()
            } else {
                view! {
                    <form class="card stack auth-card" on:submit=move |ev| { ev.prevent_default(); accept(); }>
                        <h2>"You have been invited to Vizkraft"</h2>
                        <p class="muted">"Create your account to join. "
                            "Already have one? "
                            <a href=Route::SignIn.path() data-testid="invite-sign-in" on:click=move |ev| {
                                ev.prevent_default();
                                session.sign_in_then(Route::Invite);
                            }>"Sign in first"</a>
                            ", and you will come back here."</p>
                        <Field id="invite-email" label="E-mail" testid="invite-email" value=email kind="email" autocomplete="username" />
                        <Field id="invite-name" label="Your name" testid="invite-name" value=name autocomplete="name" />
                        <Field id="invite-password" label="Password" testid="invite-password" value=password kind="password"
                            autocomplete="new-password" min_length=MIN_PASSWORD_CHARS hint="At least 10 characters." />
                        {move || error.get().map(|error| view! { <ErrorMessage error=error /> })}
                        <div>
                            <button type="submit" class="button primary" data-testid="invite-submit"
                                disabled=move || busy.get()>{submit_label}</button>
                        </div>
                    </form>
                }.into_any()
            }}
        </section>
    }
}
