//! Who is signed in and which page is open: the shell's shared state, handed to every page,
//! and the browser-history calls that move between pages without reloading.

use leptos::prelude::*;
use vizkraft_domain::api::auth::{MeResponse, Permission, Role};
use wasm_bindgen::JsValue;

use crate::api::ClientError;
use crate::Route;

/// What the app knows about the visitor.
#[derive(Debug, Clone, PartialEq)]
pub enum Auth {
    /// `GET /me` has not answered yet.
    Checking,
    SignedOut,
    SignedIn(MeResponse),
    /// `GET /me` failed for another reason than a missing session (the relay is down …).
    Failed(ClientError),
}

impl Auth {
    pub fn me(&self) -> Option<&MeResponse> {
        match self {
            Auth::SignedIn(me) => Some(me),
            _ => None,
        }
    }

    /// The role in the active organisation; `None` when signed out.
    pub fn role(&self) -> Option<Role> {
        self.me().and_then(MeResponse::active_role)
    }
}

/// The shell's state. Copyable signal handles, so every page and widget gets the same one.
#[derive(Clone, Copy)]
pub struct Session {
    pub auth: RwSignal<Auth>,
    pub route: RwSignal<Route>,
    /// The token of a `/setup#…` or `/invite#…` link. Taken out of the address bar at start so
    /// it lands in no history entry or bookmark, and kept only in this tab's memory.
    pub link_token: RwSignal<Option<String>>,
    /// The page to return to once signed in.
    pub return_to: RwSignal<Option<Route>>,
}

impl Session {
    pub fn new(route: Route, link_token: Option<String>) -> Self {
        Session {
            auth: RwSignal::new(Auth::Checking),
            route: RwSignal::new(route),
            link_token: RwSignal::new(link_token),
            return_to: RwSignal::new(None),
        }
    }

    /// Opens `to` as a new history entry, so Back returns here.
    pub fn navigate(self, to: Route) {
        set_address(to.path(), false);
        self.route.set(to);
    }

    /// Opens `to` in place of the current entry: for redirects, which Back should skip.
    pub fn replace(self, to: Route) {
        set_address(to.path(), true);
        self.route.set(to);
    }

    /// Sends the visitor to sign in, then back to `then`.
    pub fn sign_in_then(self, then: Route) {
        self.return_to.set(Some(then));
        self.navigate(Route::SignIn);
    }

    /// Tracked: the role in the active organisation.
    pub fn role(self) -> Option<Role> {
        self.auth.with(Auth::role)
    }

    /// Tracked: whether the active role may do `permission` (the matrix the relay enforces).
    pub fn allows(self, permission: Permission) -> bool {
        self.role().is_some_and(|role| role.allows(permission))
    }

    /// Sign-in, set-up and accepting an invitation all answer with the new session's user.
    pub fn signed_in(self, me: MeResponse) {
        self.auth.set(Auth::SignedIn(me));
    }

    /// Forgets the user, e.g. after signing out or when the relay answered 401.
    pub fn signed_out(self) {
        self.auth.set(Auth::SignedOut);
    }
}

/// The token in a link's fragment (`#<token>`), if it carries one.
pub fn token_from_fragment(hash: &str) -> Option<String> {
    let token = hash.strip_prefix('#').unwrap_or(hash).trim();
    (!token.is_empty()).then(|| token.to_owned())
}

/// Reads the fragment's token and removes the fragment from the address bar and the history
/// entry, so the token does not linger where it can be copied or synced.
pub fn take_fragment_token() -> Option<String> {
    let location = window().location();
    let token = token_from_fragment(&location.hash().unwrap_or_default())?;
    let path = location.pathname().unwrap_or_else(|_| "/".to_owned());
    let search = location.search().unwrap_or_default();
    if let Ok(history) = window().history() {
        if let Err(error) = history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{search}"))) {
            leptos::logging::warn!("could not remove the link token from the address bar: {error:?}");
        }
    }
    Some(token)
}

fn set_address(path: &str, replace: bool) {
    let Ok(history) = window().history() else { return };
    let done = if replace {
        history.replace_state_with_url(&JsValue::NULL, "", Some(path))
    } else {
        history.push_state_with_url(&JsValue::NULL, "", Some(path))
    };
    // The page still changes; only the address bar lags behind.
    if let Err(error) = done {
        leptos::logging::warn!("could not update the address bar: {error:?}");
    }
}

/// The current path, e.g. after Back or Forward.
pub fn current_path() -> String {
    window().location().pathname().unwrap_or_else(|_| "/".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fragment_token_is_read_without_its_hash_sign() {
        assert_eq!(token_from_fragment("#abc123"), Some("abc123".to_owned()));
        assert_eq!(token_from_fragment("abc123"), Some("abc123".to_owned()));
        assert_eq!(token_from_fragment("#"), None);
        assert_eq!(token_from_fragment(""), None);
    }
}
