//! Sign in with e-mail and password. The relay answers with a session cookie the app never
//! sees; the shell then opens the page the visitor was heading for.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::auth::SignInRequest;

use crate::api::{self, ClientError};
use crate::components::{ErrorMessage, Field};
use crate::session::Session;

#[component]
pub fn SignInPage(session: Session) -> impl IntoView {
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ClientError>);
    let needs_setup = RwSignal::new(false);

    // Only a hint for a fresh relay; signing in reports the relay being unreachable anyway.
    spawn_local(async move {
        match api::setup_status().await {
            Ok(status) => needs_setup.set(status.needs_setup),
            Err(failure) => leptos::logging::warn!("set-up status unavailable: {failure}"),
        }
    });

    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let request =
            SignInRequest { email: email.get_untracked().trim().to_owned(), password: password.get_untracked() };
        spawn_local(async move {
            match api::sign_in(&request).await {
                Ok(me) => {
                    password.set(String::new());
                    session.signed_in(me);
                }
                Err(failure) => {
                    if failure.is_unauthenticated() {
                        password.set(String::new());
                    }
                    error.set(Some(failure));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <section class="narrow">
            <form class="card stack auth-card" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <h2>"Sign in to Vizkraft"</h2>
                {move || needs_setup.get().then(|| view! {
                    <p class="note">"This relay has no accounts yet. Open the set-up link it printed on its first start."</p>
                })}
                <Field id="signin-email" label="E-mail" testid="signin-email" value=email kind="email" autocomplete="username" />
                <Field id="signin-password" label="Password" testid="signin-password" value=password kind="password"
                    autocomplete="current-password" />
                {move || error.get().map(|error| view! { <ErrorMessage error=error /> })}
                <div>
                    <button type="submit" class="button primary" data-testid="signin-submit" disabled=move || busy.get()>
                        {move || if busy.get() { "Signing in…" } else { "Sign in" }}
                    </button>
                </div>
            </form>
        </section>
    }
}
