//! The page for a path the route table does not know.

use leptos::prelude::*;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    view! {
        <section class="main">
            <div class="card">
                <h2>"Page not found"</h2>
                <p>"There is nothing at this address. " <a href="/">"Ask a question"</a> " instead."</p>
            </div>
        </section>
    }
}
