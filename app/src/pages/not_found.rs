//! The page for a path the route table does not know.

use leptos::prelude::*;

use crate::components::Link;
use crate::session::Session;
use crate::Route;

#[component]
pub fn NotFoundPage(session: Session) -> impl IntoView {
    view! {
        <section class="narrow">
            <div class="card">
                <h2>"Page not found"</h2>
                <p>"There is nothing at this address. " <Link session=session to=Route::Ask>"Ask a question"</Link> " instead."</p>
            </div>
        </section>
    }
}
