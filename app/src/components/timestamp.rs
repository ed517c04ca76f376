//! A relay timestamp (RFC 3339, UTC) shown as a short, sortable date and time.

use leptos::prelude::*;

/// `2025-03-01T09:30:12Z` → `2025-03-01 09:30 UTC`; anything else is shown as it came.
pub fn format_timestamp(rfc3339: &str) -> String {
    let looks_right = rfc3339.len() >= 16 && rfc3339.as_bytes().get(10) == Some(&b'T');
    match (looks_right, rfc3339.get(..10), rfc3339.get(11..16)) {
        (true, Some(date), Some(time)) => format!("{date} {time} UTC"),
        _ => rfc3339.to_owned(),
    }
}

#[component]
pub fn Timestamp(at: String) -> impl IntoView {
    let text = format_timestamp(&at);
    view! { <time datetime=at>{text}</time> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_show_date_and_minutes_in_utc() {
        assert_eq!(format_timestamp("2025-03-01T09:30:12Z"), "2025-03-01 09:30 UTC");
        assert_eq!(format_timestamp("yesterday"), "yesterday");
    }
}
