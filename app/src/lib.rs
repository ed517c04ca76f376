//! The Vizkraft browser app. `App` is the shell and the route table below is the sitemap;
//! pages live in `pages/`, widgets in `components/`, chart builders in `charts/`, and all HTTP
//! in `api`.

pub mod api;
pub mod charts;
pub mod components;
pub mod pages;
pub mod state;

use leptos::prelude::*;

/// Every page of the app. One page so far, so a match on the path stands in for a router crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Ask,
    NotFound,
}

impl Route {
    pub fn from_path(path: &str) -> Route {
        match path.trim_end_matches('/') {
            "" | "/index.html" => Route::Ask,
            _ => Route::NotFound,
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    let path = window().location().pathname().unwrap_or_else(|_| "/".to_owned());
    let page = match Route::from_path(&path) {
        Route::Ask => view! { <pages::AskPage /> }.into_any(),
        Route::NotFound => view! { <pages::NotFoundPage /> }.into_any(),
    };
    view! {
        <header class="topbar">
            <a class="brand" href="/">"Vizkraft"</a>
            <span class="tagline">"Ask your database, get a chart"</span>
        </header>
        <main class="content">{page}</main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_is_the_ask_page_and_anything_else_is_not_found() {
        assert_eq!(Route::from_path("/"), Route::Ask);
        assert_eq!(Route::from_path("/index.html"), Route::Ask);
        assert_eq!(Route::from_path("/dashboards/7"), Route::NotFound);
    }
}
