//! First start: the one-time link the relay printed (`/setup#<token>`) creates the first
//! owner and their organisation.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::auth::{SetupRequest, SetupStatusResponse};

use crate::api::{self, ClientError};
use crate::components::{ErrorMessage, Field, Link, MIN_PASSWORD_CHARS};
use crate::session::Session;
use crate::state::Remote;
use crate::Route;

#[component]
pub fn SetupPage(session: Session) -> impl IntoView {
    let status = RwSignal::new(Remote::<SetupStatusResponse>::Loading);
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ClientError>);

    spawn_local(async move { status.set(api::setup_status().await.into()) });

    let submit = move || {
        let Some(token) = session.link_token.get_untracked() else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let request = SetupRequest {
            token,
            email: email.get_untracked().trim().to_owned(),
            display_name: name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
            organisation_name: organisation.get_untracked().trim().to_owned(),
        };
        spawn_local(async move {
            match api::complete_setup(&request).await {
                Ok(me) => {
                    session.link_token.set(None);
                    password.set(String::new());
                    // The shell moves on to the Ask page once it sees the signed-in user.
                    session.signed_in(me);
                }
                Err(failure) => error.set(Some(failure)),
            }
            busy.set(false);
        });
    };

    let form = move || {
        view! {
            <form class="card stack auth-card" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <h2>"Set up Vizkraft"</h2>
                <p class="muted">"Create the first account. It owns a new organisation and can invite everyone else."</p>
                <Field id="setup-email" label="Your e-mail" testid="setup-email" value=email kind="email" autocomplete="username" />
                <Field id="setup-name" label="Your name" testid="setup-name" value=name autocomplete="name" />
                <Field id="setup-password" label="Password" testid="setup-password" value=password kind="password"
                    autocomplete="new-password" min_length=MIN_PASSWORD_CHARS hint="At least 10 characters." />
                <Field id="setup-organisation" label="Organisation name" testid="setup-organisation" value=organisation
                    autocomplete="organization" placeholder="e.g. Acme Analytics" />
                {move || error.get().map(|error| view! { <ErrorMessage error=error /> })}
                <div>
                    <button type="submit" class="button primary" data-testid="setup-submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Creating…" } else { "Create account and organisation" }}
                    </button>
                </div>
            </form>
        }
    };

    view! {
        <section class="narrow">
            {move || match status.get() {
                Remote::Loading => view! { <p class="muted page-note">"Checking the relay…"</p> }.into_any(),
                Remote::Failed(error) => view! { <div class="card"><ErrorMessage error=error /></div> }.into_any(),
                Remote::Ready(SetupStatusResponse { needs_setup: false }) => view! {
                    <div class="card stack">
                        <h2>"Vizkraft is already set up"</h2>
                        <p>"This relay has its first account. " <Link session=session to=Route::SignIn>"Sign in"</Link> " instead."</p>
                    </div>
                }.into_any(),
                Remote::Ready(_) if session.link_token.with_untracked(Option::is_none) => view! {
                    <div class="card stack">
                        <h2>"Set up Vizkraft"</h2>
                        <p>"Open the set-up link the relay printed on its first start. It looks like "
                            <code>"https://…/setup#…"</code> " and works once."</p>
                    </div>
                }.into_any(),
                Remote::Ready(_) => form().into_any(),
            }}
        </section>
    }
}
