//! The installable app: the service worker (`public/sw.js`) keeps the app's shell so it
//! opens without a network, the offline banner says plainly what that means, and the update
//! banner offers a new deployment once its worker is ready. Results are never stored on the
//! device, so offline there is nothing to show until the relay is reachable again.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ServiceWorkerContainer, ServiceWorkerRegistration, ServiceWorkerState};

/// How often an open app asks whether a new version was deployed.
const UPDATE_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(30 * 60);
/// What the page tells a waiting worker to take over (`public/sw.js` listens for it).
const TAKE_OVER: &str = "take-over";

/// A new version, installed and waiting for the page's word.
#[derive(Clone)]
pub struct WaitingUpdate(ServiceWorkerRegistration);

/// Registers the shell-only service worker and watches for new versions: `update` is set
/// once a new build's worker is installed while an older one serves this page. Failure only
/// costs offline opening and updates, so it is logged and the app goes on.
pub fn register_service_worker(update: RwSignal<Option<WaitingUpdate>, LocalStorage>) {
    let Some(window) = web_sys::window() else { return };
    let container = window.navigator().service_worker();
    let registering = container.register("/sw.js");
    leptos::task::spawn_local(async move {
        let registration = match JsFuture::from(registering).await {
            Ok(registration) => registration.unchecked_into::<ServiceWorkerRegistration>(),
            Err(error) => return leptos::logging::warn!("the service worker could not be registered: {error:?}"),
        };
        watch_for_updates(&container, registration, update);
    });
}

fn watch_for_updates(
    container: &ServiceWorkerContainer,
    registration: ServiceWorkerRegistration,
    update: RwSignal<Option<WaitingUpdate>, LocalStorage>,
) {
    // The first worker has nothing to replace; only a worker beside a controller is an update.
    let offer = {
        let (container, registration) = (container.clone(), registration.clone());
        move || {
            if registration.waiting().is_some() && container.controller().is_some() {
                update.set(Some(WaitingUpdate(registration.clone())));
            }
        }
    };
    offer();
    let on_update_found = {
        let registration = registration.clone();
        Closure::<dyn FnMut()>::new(move || {
            let Some(installing) = registration.installing() else { return };
            let (worker, offer) = (installing.clone(), offer.clone());
            let on_state = Closure::<dyn FnMut()>::new(move || {
                if worker.state() == ServiceWorkerState::Installed {
                    offer();
                }
            });
            installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            // Lives as long as that worker, which keeps the handler.
            on_state.forget();
        })
    };
    registration.set_onupdatefound(Some(on_update_found.as_ref().unchecked_ref()));
    // The registration lives as long as the page, and so does its handler.
    on_update_found.forget();
    let checked = registration.clone();
    let _ = set_interval_with_handle(move || drop(checked.update()), UPDATE_CHECK_EVERY);
}

/// Lets the waiting worker take over, and reloads the page once it has.
fn take_update(WaitingUpdate(registration): &WaitingUpdate) {
    let Some(window) = web_sys::window() else { return };
    let container = window.navigator().service_worker();
    let reload = Closure::<dyn FnMut()>::new(move || drop(window.location().reload()));
    container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
    // The page reloads when it runs.
    reload.forget();
    if let Some(waiting) = registration.waiting() {
        let _ = waiting.post_message(&JsValue::from_str(TAKE_OVER));
    }
}

#[component]
pub fn UpdateBanner(update: RwSignal<Option<WaitingUpdate>, LocalStorage>) -> impl IntoView {
    move || {
        update.get().map(|waiting| {
            view! {
                <div class="update-banner" role="status" data-testid="update-banner">
                    <strong>"A new version of Vizkraft is available."</strong>
                    <button type="button" class="button primary small" data-testid="update-reload"
                        on:click=move |_| take_update(&waiting)>"Reload to update"</button>
                    <button type="button" class="button secondary small" data-testid="update-later"
                        on:click=move |_| update.set(None)>"Later"</button>
                </div>
            }
        })
    }
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
