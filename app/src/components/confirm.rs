//! Asking before something that cannot be undone.

/// The browser's yes-or-no question. A browser that blocks dialogs counts as "no".
pub fn confirmed(question: &str) -> bool {
    web_sys::window().and_then(|w| w.confirm_with_message(question).ok()).unwrap_or(false)
}
