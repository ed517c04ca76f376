//! The Vizkraft browser app. `App` is the shell and the route table below is the sitemap;
//! pages live in `pages/`, widgets in `components/`, chart builders in `charts/`, the shell's
//! shared state in `session`, and all HTTP in `api`.

pub mod api;
pub mod bench;
pub mod charts;
pub mod components;
pub mod pages;
pub mod session;
pub mod state;

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::auth::{Permission, Role};

use crate::api::ClientError;
use crate::components::{AppHeader, ErrorMessage};
use crate::session::{current_path, take_fragment_token, Auth, Session};

/// Every page of the app. Few enough that a match on the path stands in for a router crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Ask,
    Charts,
    Dashboards,
    Share,
    SignIn,
    Setup,
    Invite,
    Sources,
    Members,
    ApiKeys,
    Audit,
    Account,
    NotFound,
}

/// Who may open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in member.
    SignedIn,
    /// Members whose role allows this (the relay checks the same permission on the API).
    Needs(Permission),
}

impl Route {
    pub fn from_path(path: &str) -> Route {
        match path.trim_end_matches('/') {
            "" | "/index.html" => Route::Ask,
            "/signin" => Route::SignIn,
            "/setup" => Route::Setup,
            "/invite" => Route::Invite,
            "/sources" => Route::Sources,
            "/charts" => Route::Charts,
            "/dashboards" => Route::Dashboards,
            "/share" => Route::Share,
            "/members" => Route::Members,
            "/api-keys" => Route::ApiKeys,
            "/audit" => Route::Audit,
            "/account" => Route::Account,
            _ => Route::NotFound,
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Route::Ask => "/",
            Route::SignIn => "/signin",
            Route::Setup => "/setup",
            Route::Invite => "/invite",
            Route::Sources => "/sources",
            Route::Charts => "/charts",
            Route::Dashboards => "/dashboards",
            Route::Share => "/share",
            Route::Members => "/members",
            Route::ApiKeys => "/api-keys",
            Route::Audit => "/audit",
            Route::Account => "/account",
            // Only ever reached from an address the table does not know; links never point here.
            Route::NotFound => "/",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Route::Ask => "Ask",
            Route::SignIn => "Sign in",
            Route::Setup => "Set up",
            Route::Invite => "Invitation",
            Route::Sources => "Data sources",
            Route::Charts => "Charts",
            Route::Dashboards => "Dashboards",
            Route::Share => "Shared dashboard",
            Route::Members => "Members",
            Route::ApiKeys => "API keys",
            Route::Audit => "Audit",
            Route::Account => "Account",
            Route::NotFound => "Not found",
        }
    }

    pub fn access(self) -> Access {
        match self {
            Route::SignIn | Route::Setup | Route::Invite | Route::Share | Route::NotFound => Access::Public,
            Route::Ask | Route::Account => Access::SignedIn,
            Route::Sources => Access::Needs(Permission::ManageSources),
            Route::Charts | Route::Dashboards => Access::Needs(Permission::ViewDashboards),
            Route::Members => Access::Needs(Permission::ManageMembers),
            Route::ApiKeys => Access::Needs(Permission::ManageApiKeys),
            Route::Audit => Access::Needs(Permission::ViewAudit),
        }
    }

    /// Whether `role` may open this page; `None` is a visitor who is not signed in.
    pub fn open_to(self, role: Option<Role>) -> bool {
        match (self.access(), role) {
            (Access::Public, _) => true,
            (Access::SignedIn, role) => role.is_some(),
            (Access::Needs(permission), role) => role.is_some_and(|r| r.allows(permission)),
        }
    }
}

/// The header's page links for `role`, in order; pages the role cannot use are left out.
pub fn nav_items(role: Role) -> Vec<Route> {
    [Route::Ask, Route::Dashboards, Route::Charts, Route::Sources, Route::Members, Route::ApiKeys, Route::Audit]
        .into_iter()
        .filter(|r| r.open_to(Some(role)))
        .collect()
}

/// Where the address bar should go instead of `route`, if anywhere: signed-out visitors to
/// sign in, signed-in ones away from sign-in and set-up (to where they were heading).
pub fn redirect(route: Route, auth: &Auth, return_to: Option<Route>) -> Option<Route> {
    match auth {
        Auth::SignedOut if route.access() != Access::Public => Some(Route::SignIn),
        Auth::SignedIn(_) if matches!(route, Route::SignIn | Route::Setup) => {
            Some(return_to.filter(|r| !matches!(r, Route::SignIn | Route::Setup)).unwrap_or(Route::Ask))
        }
        _ => None,
    }
}

/// What the content area shows. Compared by value, so a page is rebuilt only when its route,
/// the active organisation or the role changes, and then starts fresh (sources re-fetched …).
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    Checking,
    Failed(ClientError),
    Page { route: Route, organisation: Option<String>, role: Option<Role> },
    NotAllowed(Route),
}

pub fn screen(route: Route, auth: &Auth) -> Screen {
    match auth {
        Auth::Checking => Screen::Checking,
        Auth::Failed(error) => Screen::Failed(error.clone()),
        // A redirect to sign-in is on its way; show nothing protected meanwhile.
        Auth::SignedOut if route.access() != Access::Public => Screen::Checking,
        Auth::SignedOut => Screen::Page { route, organisation: None, role: None },
        Auth::SignedIn(me) => {
            let role = me.active_role();
            if route.open_to(role) {
                Screen::Page { route, organisation: Some(me.active_organisation_id.clone()), role }
            } else {
                Screen::NotAllowed(route)
            }
        }
    }
}

/// Asks the relay who is signed in, at start and on Retry.
fn check_session(session: Session) {
    session.auth.set(Auth::Checking);
    spawn_local(async move {
        match api::me().await {
            Ok(me) => session.signed_in(me),
            Err(error) if error.is_unauthenticated() => session.signed_out(),
            Err(error) => session.auth.set(Auth::Failed(error)),
        }
    });
}

#[component]
pub fn App() -> impl IntoView {
    let route = Route::from_path(&current_path());
    let token = if matches!(route, Route::Setup | Route::Invite) { take_fragment_token() } else { None };
    let session = Session::new(route, token);

    api::on_session_ended(move || session.signed_out());
    check_session(session);
    let update = RwSignal::new_local(None);
    components::register_service_worker(update);
    let online = components::online_signal();
    // Back online after a failed start: try again without waiting for a click.
    Effect::new(move |was_online: Option<bool>| {
        let now = online.get();
        if now && was_online == Some(false) && session.auth.with_untracked(|a| matches!(a, Auth::Failed(_))) {
            check_session(session);
        }
        now
    });

    // Back and Forward change the address without a reload; the page follows it.
    let popstate = window_event_listener(leptos::ev::popstate, move |_| {
        session.route.set(Route::from_path(&current_path()));
    });
    on_cleanup(move || popstate.remove());

    Effect::new(move |_| {
        let route = session.route.get();
        let to = session.auth.with(|auth| redirect(route, auth, session.return_to.get_untracked()));
        if let Some(to) = to {
            if to == Route::SignIn {
                session.return_to.set(Some(route));
            } else {
                session.return_to.set(None);
            }
            session.replace(to);
        }
    });

    let shown = Memo::new(move |_| {
        let route = session.route.get();
        session.auth.with(|auth| screen(route, auth))
    });
    let signed_in = Memo::new(move |_| session.auth.with(|a| a.me().is_some()));

    view! {
        {move || if signed_in.get() {
            view! { <AppHeader session=session /> }.into_any()
        } else {
            view! {
                <header class="topbar">
                    <a class="brand" href="/">"Vizkraft"</a>
                    <span class="tagline">"Ask your database, get a chart"</span>
                </header>
            }.into_any()
        }}
        <components::OfflineBanner online=online />
        <components::UpdateBanner update=update />
        <main class="content">
            {move || match shown.get() {
                Screen::Checking => view! { <p class="muted page-note">"Loading…"</p> }.into_any(),
                Screen::Failed(error) => view! {
                    <section class="narrow">
                        <div class="card stack">
                            <ErrorMessage error=error />
                            <div><button type="button" class="button secondary" on:click=move |_| check_session(session)>"Try again"</button></div>
                        </div>
                    </section>
                }.into_any(),
                Screen::NotAllowed(route) => view! { <pages::NotAllowedPage session=session route=route /> }.into_any(),
                Screen::Page { route, role, .. } => page(session, route, role),
            }}
        </main>
    }
}

fn page(session: Session, route: Route, role: Option<Role>) -> AnyView {
    match route {
        Route::Ask => {
            let can_run_sql = role.is_some_and(|r| r.allows(Permission::RunSql));
            let can_save_charts = role.is_some_and(|r| r.allows(Permission::SaveDashboards));
            view! { <pages::AskPage can_run_sql=can_run_sql can_save_charts=can_save_charts /> }.into_any()
        }
        Route::SignIn => view! { <pages::SignInPage session=session /> }.into_any(),
        Route::Setup => view! { <pages::SetupPage session=session /> }.into_any(),
        Route::Invite => view! { <pages::InvitePage session=session /> }.into_any(),
        Route::Sources => view! { <pages::SourcesPage /> }.into_any(),
        Route::Charts => {
            let can_edit = role.is_some_and(|r| r.allows(Permission::SaveDashboards));
            view! { <pages::ChartsPage can_edit=can_edit /> }.into_any()
        }
        Route::Dashboards => {
            let can_edit = role.is_some_and(|r| r.allows(Permission::SaveDashboards));
            let can_share = role.is_some_and(|r| r.allows(Permission::ShareDashboards));
            view! { <pages::DashboardsPage can_edit=can_edit can_share=can_share /> }.into_any()
        }
        Route::Share => view! { <pages::SharePage /> }.into_any(),
        Route::Members => view! { <pages::MembersPage session=session /> }.into_any(),
        Route::ApiKeys => view! { <pages::ApiKeysPage session=session /> }.into_any(),
        Route::Audit => view! { <pages::AuditPage /> }.into_any(),
        Route::Account => view! { <pages::AccountPage session=session /> }.into_any(),
        Route::NotFound => view! { <pages::NotFoundPage session=session /> }.into_any(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vizkraft_domain::api::auth::{MeResponse, Membership, UserSummary};

    fn signed_in(role: Role) -> Auth {
        Auth::SignedIn(MeResponse {
            user: UserSummary { id: "u1".into(), email: "ann@example.com".into(), display_name: "Ann".into() },
            memberships: vec![Membership { organisation_id: "o1".into(), organisation_name: "Acme".into(), role }],
            active_organisation_id: "o1".into(),
        })
    }

    const ALL: [Route; 13] = [
        Route::Ask,
        Route::Charts,
        Route::Dashboards,
        Route::Share,
        Route::SignIn,
        Route::Setup,
        Route::Invite,
        Route::Sources,
        Route::Members,
        Route::ApiKeys,
        Route::Audit,
        Route::Account,
        Route::NotFound,
    ];

    #[test]
    fn the_root_is_the_ask_page_and_anything_else_unknown_is_not_found() {
        assert_eq!(Route::from_path("/"), Route::Ask);
        assert_eq!(Route::from_path("/index.html"), Route::Ask);
        assert_eq!(Route::from_path("/dashboards/7"), Route::NotFound);
    }

    #[test]
    fn every_page_path_leads_back_to_its_page_with_or_without_a_trailing_slash() {
        for route in ALL.into_iter().filter(|r| *r != Route::NotFound) {
            assert_eq!(Route::from_path(route.path()), route, "{route:?}");
            assert_eq!(Route::from_path(&format!("{}/", route.path())), route, "{route:?}/");
        }
    }

    #[test]
    fn viewers_see_only_ask_in_the_nav_and_admins_see_the_admin_pages() {
        assert_eq!(nav_items(Role::Viewer), vec![Route::Ask, Route::Dashboards, Route::Charts]);
        assert_eq!(nav_items(Role::Editor), vec![Route::Ask, Route::Dashboards, Route::Charts]);
        let all = vec![
            Route::Ask,
            Route::Dashboards,
            Route::Charts,
            Route::Sources,
            Route::Members,
            Route::ApiKeys,
            Route::Audit,
        ];
        assert_eq!(nav_items(Role::Admin), all);
        assert_eq!(nav_items(Role::Owner), all);
    }

    #[test]
    fn signed_out_visitors_are_sent_to_sign_in_except_from_public_pages() {
        for route in ALL {
            let expected = (route.access() != Access::Public).then_some(Route::SignIn);
            assert_eq!(redirect(route, &Auth::SignedOut, None), expected, "{route:?}");
        }
    }

    #[test]
    fn signing_in_returns_to_the_page_the_visitor_was_heading_for() {
        let auth = signed_in(Role::Admin);
        assert_eq!(redirect(Route::SignIn, &auth, Some(Route::Members)), Some(Route::Members));
        assert_eq!(redirect(Route::SignIn, &auth, Some(Route::Invite)), Some(Route::Invite));
        assert_eq!(redirect(Route::SignIn, &auth, None), Some(Route::Ask));
        assert_eq!(redirect(Route::Setup, &auth, Some(Route::SignIn)), Some(Route::Ask));
        assert_eq!(redirect(Route::Members, &auth, None), None);
    }

    #[test]
    fn a_signed_in_visitor_stays_on_an_invitation_to_accept_it() {
        assert_eq!(redirect(Route::Invite, &signed_in(Role::Viewer), None), None);
    }

    #[test]
    fn nothing_redirects_while_the_session_is_being_checked() {
        for route in ALL {
            assert_eq!(redirect(route, &Auth::Checking, None), None);
        }
    }

    #[test]
    fn a_page_the_role_may_not_use_is_not_shown() {
        assert_eq!(screen(Route::Members, &signed_in(Role::Editor)), Screen::NotAllowed(Route::Members));
        assert_eq!(screen(Route::Audit, &signed_in(Role::Viewer)), Screen::NotAllowed(Route::Audit));
        assert_eq!(screen(Route::Sources, &signed_in(Role::Editor)), Screen::NotAllowed(Route::Sources));
        assert_eq!(
            screen(Route::Audit, &signed_in(Role::Admin)),
            Screen::Page { route: Route::Audit, organisation: Some("o1".into()), role: Some(Role::Admin) }
        );
    }

    #[test]
    fn protected_pages_show_nothing_to_signed_out_visitors() {
        assert_eq!(screen(Route::Ask, &Auth::SignedOut), Screen::Checking);
        assert_eq!(
            screen(Route::SignIn, &Auth::SignedOut),
            Screen::Page { route: Route::SignIn, organisation: None, role: None }
        );
    }
}
