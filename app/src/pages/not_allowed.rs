//! Shown in place of a page the member's role in the active organisation may not use, e.g.
//! after switching to an organisation where they are a viewer.

use leptos::prelude::*;

use crate::components::Link;
use crate::session::{Auth, Session};
use crate::Route;

#[component]
pub fn NotAllowedPage(session: Session, route: Route) -> impl IntoView {
    let role = session
        .auth
        .with_untracked(Auth::role)
        .map_or_else(|| "a member".to_owned(), |r| format!("a {}", r.label().to_lowercase()));
    view! {
        <section class="narrow">
            <div class="card" data-testid="not-allowed">
                <h2>{format!("{} needs another role", route.label())}</h2>
                <p>{format!("As {role} in this organisation, you cannot open this page. ")}
                    <Link session=session to=Route::Ask>"Ask a question"</Link> " instead."</p>
            </div>
        </section>
    }
}
