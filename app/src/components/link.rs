//! An in-app link: a real `<a href>` (so it can open in a new tab and reloads fine), which
//! changes the page through browser history instead of a full reload.

use leptos::prelude::*;
use web_sys::MouseEvent;

use crate::session::Session;
use crate::Route;

#[component]
pub fn Link(
    session: Session,
    to: Route,
    #[prop(optional, into)] class: String,
    #[prop(optional)] testid: &'static str,
    /// Marks the link of the open page (`aria-current`), for styling and screen readers.
    #[prop(optional, into)]
    current: Option<Signal<bool>>,
    children: Children,
) -> impl IntoView {
    let on_click = move |ev: MouseEvent| {
        // Modified clicks keep the browser's meaning (new tab, new window, download).
        if ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key() {
            return;
        }
        ev.prevent_default();
        session.navigate(to);
    };
    let aria_current = move || current.is_some_and(|c| c.get()).then_some("page");
    view! {
        <a href=to.path() class=class data-testid=(!testid.is_empty()).then_some(testid)
            aria-current=aria_current on:click=on_click>
            {children()}
        </a>
    }
}
