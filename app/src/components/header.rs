//! The signed-in header: page links the role may use, the organisation switcher, and the
//! user's name with Account and Sign out.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::auth::SwitchOrganisationRequest;

use crate::api::{self, ClientError};
use crate::components::{ErrorMessage, Link};
use crate::session::{Auth, Session};
use crate::{nav_items, Route};

fn nav_testid(route: Route) -> &'static str {
    match route {
        Route::Sources => "nav-sources",
        Route::Members => "nav-members",
        Route::ApiKeys => "nav-api-keys",
        Route::Audit => "nav-audit",
        Route::Account => "nav-account",
        _ => "nav-ask",
    }
}

#[component]
pub fn AppHeader(session: Session) -> impl IntoView {
    let error = RwSignal::new(None::<ClientError>);
    let busy = RwSignal::new(false);
    let switcher = NodeRef::<leptos::html::Select>::new();
    let me = Memo::new(move |_| session.auth.with(|a| a.me().cloned()));
    let items = Memo::new(move |_| session.role().map(nav_items).unwrap_or_default());

    let switch = move |organisation_id: String| {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::switch_organisation(&SwitchOrganisationRequest { organisation_id }).await {
                // The content area rebuilds for the new organisation, re-fetching its sources.
                Ok(me) => session.signed_in(me),
                Err(failure) => {
                    error.set(Some(failure));
                    // The select shows the picked organisation; put it back to the active one.
                    if let (Some(select), Some(me)) = (switcher.get_untracked(), me.get_untracked()) {
                        select.set_value(&me.active_organisation_id);
                    }
                }
            }
            busy.set(false);
        });
    };

    let sign_out = move || {
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            match api::sign_out().await {
                Ok(()) => {
                    session.return_to.set(None);
                    session.navigate(Route::SignIn);
                    session.auth.set(Auth::SignedOut);
                }
                // A 401 already signed the app out (see `api::on_session_ended`).
                Err(failure) if failure.is_unauthenticated() => {}
                Err(failure) => error.set(Some(failure)),
            }
            busy.set(false);
        });
    };

    view! {
        <header class="topbar signed-in">
            <Link session=session to=Route::Ask class="brand" testid="brand">"Vizkraft"</Link>
            <nav class="nav" aria-label="Pages">
                {move || items.get().into_iter().map(|route| {
                    let current = move || session.route.get() == route;
                    view! {
                        <Link session=session to=route class="nav-link" testid=nav_testid(route) current=Signal::derive(current)>
                            {route.label()}
                        </Link>
                    }
                }).collect_view()}
            </nav>
            <div class="header-right">
                {move || me.get().map(|me| {
                    let active = me.active_organisation_id.clone();
                    if me.memberships.len() > 1 {
                        view! {
                            <label class="visually-hidden" for="org-switcher">"Organisation"</label>
                            <select id="org-switcher" class="org-switcher" data-testid="org-switcher" node_ref=switcher
                                disabled=move || busy.get()
                                on:change=move |ev| switch(event_target_value(&ev))>
                                {me.memberships.into_iter().map(|m| {
                                    let selected = m.organisation_id == active;
                                    view! {
                                        <option value=m.organisation_id selected=selected>
                                            {format!("{} · {}", m.organisation_name, m.role.label())}
                                        </option>
                                    }
                                }).collect_view()}
                            </select>
                        }.into_any()
                    } else {
                        let label = me.memberships.into_iter().next()
                            .map(|m| format!("{} · {}", m.organisation_name, m.role.label()))
                            .unwrap_or_default();
                        view! { <span class="org-name muted">{label}</span> }.into_any()
                    }
                })}
                <span class="current-user" data-testid="current-user"
                    title=move || me.with(|m| m.as_ref().map(|m| m.user.email.clone()).unwrap_or_default())>
                    {move || me.with(|m| m.as_ref().map(|m| m.user.display_name.clone()).unwrap_or_default())}
                </span>
                <Link session=session to=Route::Account class="nav-link" testid="nav-account"
                    current=Signal::derive(move || session.route.get() == Route::Account)>"Account"</Link>
                <button type="button" class="button secondary small-button" data-testid="sign-out"
                    disabled=move || busy.get() on:click=move |_| sign_out()>"Sign out"</button>
            </div>
        </header>
        {move || error.get().map(|error| view! { <div class="header-error"><ErrorMessage error=error /></div> })}
    }
}
