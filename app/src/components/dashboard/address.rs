//! A dashboard's view in the address: `?id=…&tab=1&f.country=France`, so a link opens
//! exactly that view. Keys and values are percent-encoded.

use vizkraft_domain::api::dashboards::{DashboardFilter, FilterKind, FilterValue, FilterValues};

/// The value of `key` in the address's query string, decoded.
pub fn address_query_value(key: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    query_value(&search, key)
}

fn query_value(query: &str, key: &str) -> Option<String> {
    query.trim_start_matches('?').split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == key).then(|| decode(v))
    })
}

/// The tab and filter values read from a query string.
pub fn view_state_from_query(query: &str, filters: &[DashboardFilter]) -> (usize, FilterValues) {
    let mut tab = 0;
    let mut values = FilterValues::new();
    for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(value);
        if key == "tab" {
            tab = value.parse().unwrap_or(0);
        } else if let Some(id) = key.strip_prefix("f.") {
            let id = decode(id);
            let Some(filter) = filters.iter().find(|f| f.id == id) else { continue };
            let parsed = match filter.kind {
                FilterKind::Category => Some(FilterValue::Category(value)),
                FilterKind::Number => value.parse().ok().map(FilterValue::Number),
                FilterKind::DateRange => {
                    let (from, to) = value.split_once("..").unwrap_or((&value, ""));
                    let part = |s: &str| (!s.is_empty()).then(|| s.to_owned());
                    Some(FilterValue::DateRange { from: part(from), to: part(to) })
                }
            };
            if let Some(parsed) = parsed {
                values.insert(id, parsed);
            }
        }
    }
    (tab, values)
}

/// The filter values in the address now.
pub fn address_filter_values(filters: &[DashboardFilter]) -> FilterValues {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    view_state_from_query(&search, filters).1
}

/// A filter value as text: as the address holds it, and as people read it (a date range is
/// `from..to`, either end open).
pub fn value_text(value: &FilterValue) -> String {
    match value {
        FilterValue::Category(text) => text.clone(),
        FilterValue::Number(number) => number.to_string(),
        FilterValue::DateRange { from, to } => {
            format!("{}..{}", from.as_deref().unwrap_or_default(), to.as_deref().unwrap_or_default())
        }
    }
}

/// The query string for a tab and filter values; `extra` pairs (the dashboard id) come first.
pub fn view_state_to_query(extra: &[(&str, &str)], tab: usize, values: &FilterValues) -> String {
    let mut pairs: Vec<String> = extra.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    if tab > 0 {
        pairs.push(format!("tab={tab}"));
    }
    for (id, value) in values {
        pairs.push(format!("f.{}={}", encode(id), encode(&value_text(value))));
    }
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

/// Percent-encodes all but the unreserved characters (RFC 3986).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Replaces the address's query string (and keeps its fragment: a share link's token).
pub fn set_query(query: &str) {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let path = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&format!("{path}{query}{hash}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_state_reads_back_from_its_query_string() {
        let filters = vec![
            DashboardFilter { id: "country".into(), label: "Country".into(), kind: FilterKind::Category },
            DashboardFilter { id: "when".into(), label: "When".into(), kind: FilterKind::DateRange },
            DashboardFilter { id: "n".into(), label: "N".into(), kind: FilterKind::Number },
        ];
        let (tab, values) = view_state_from_query(
            "?id=d1&tab=2&f.country=S%C3%A3o%20Paulo&f.when=2024-01-01..&f.n=3.5&f.x=1",
            &filters,
        );
        assert_eq!(tab, 2);
        assert_eq!(values.get("country"), Some(&FilterValue::Category("São Paulo".into())));
        assert_eq!(values.get("when"), Some(&FilterValue::DateRange { from: Some("2024-01-01".into()), to: None }));
        assert_eq!(values.get("n"), Some(&FilterValue::Number(3.5)));
        assert_eq!(values.len(), 3, "unknown filters are ignored");
        let query = view_state_to_query(&[("id", "d1")], tab, &values);
        assert_eq!(view_state_from_query(&query, &filters), (tab, values));
    }

    #[test]
    fn one_value_reads_from_the_query_string() {
        assert_eq!(query_value("?id=a%2Fb&tab=1", "id").as_deref(), Some("a/b"));
        assert_eq!(query_value("?tab=1", "id"), None);
        assert_eq!(query_value("", "id"), None);
    }
}
