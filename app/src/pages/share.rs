//! A shared dashboard, opened from a share link (`/share#<token>`) without an account. The token
//! stays in the fragment, which browsers never send to a server; the app sends it only as
//! `Authorization: Share …` to the two routes a link may use.

use leptos::prelude::*;
use leptos::task::spawn_local;
use vizkraft_domain::api::dashboards::SharedDashboard;

use crate::api::{self, ClientError, TileSource};
use crate::components::{format_timestamp, DashboardView};
use crate::state::Remote;

#[component]
pub fn SharePage() -> impl IntoView {
    let hash = web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default();
    let token = hash.trim_start_matches('#').to_owned();
    let shared = RwSignal::new(Remote::<SharedDashboard>::Loading);
    if token.is_empty() {
        shared.set(Remote::Failed(ClientError::Status { status: 401, body: String::new() }));
    } else {
        let token = token.clone();
        spawn_local(async move { shared.set(api::shared_dashboard(&token).await.into()) });
    }
    view! {
        {move || match shared.get() {
            Remote::Loading => view! { <p class="muted page-note">"Opening the shared dashboard…"</p> }.into_any(),
            Remote::Failed(_) => view! {
                <section class="narrow"><div class="card stack" data-testid="share-dead">
                    <h1>"This link does not work"</h1>
                    <p>"It may have expired or been revoked, or its dashboard deleted. Ask whoever shared it for a new one."</p>
                </div></section>
            }.into_any(),
            Remote::Ready(dashboard) => view! {
                <p class="muted small page-note" data-testid="share-expires">"Shared view · works until " {format_timestamp(&dashboard.expires_at)}</p>
                <DashboardView name=dashboard.name definition=dashboard.definition charts=dashboard.charts
                    locked=dashboard.locked_filters source=TileSource::Shared(token.clone()) on_save=None />
            }.into_any(),
        }}
    }
}
