//! Offline: the service worker (`public/sw.js`) keeps the app's shell so it opens without a
//! network, and this banner says plainly what that means. Results are never stored on the
//! device, so there is nothing to show until the relay is reachable again.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// Registers the shell-only service worker. Failure only costs offline opening, so it is
/// logged and the app goes on.
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else { return };
    let container = window.navigator().service_worker();
    let registration = container.register("/sw.js");
    leptos::task::spawn_local(async move {
        if let Err(error) = JsFuture::from(registration).await {
            leptos::logging::warn!("the service worker could not be registered: {error:?}");
        }
    });
}

fn browser_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// Whether the browser has a network, following its `online` and `offline` events.
pub fn online_signal() -> ReadSignal<bool> {
    let (online, set_online) = signal(browser_online());
    let up = window_event_listener(leptos::ev::online, move |_| set_online.set(true));
    let down = window_event_listener(leptos::ev::offline, move |_| set_online.set(false));
    on_cleanup(move || {
        up.remove();
        down.remove();
    });
    online
}

#[component]
pub fn OfflineBanner(#[prop(into)] online: Signal<bool>) -> impl IntoView {
    move || {
        (!online.get()).then(|| {
            view! {
                <div class="offline-banner" role="status" data-testid="offline-banner">
                    <strong>"You are offline."</strong>
                    " Vizkraft needs its relay to answer questions. No data is stored on this device, so \
                     results appear again once the connection is back."
                </div>
            }
        })
    }
}
