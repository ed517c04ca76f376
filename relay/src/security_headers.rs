//! The security headers every response carries (API, app files, errors, 404s): HSTS, a strict
//! Content-Security-Policy that allows exactly the app's own scripts, and the anti-sniffing,
//! anti-framing and referrer headers.

use std::path::Path;

use axum::http::{header, HeaderName, HeaderValue};
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use tower::util::MapResponseLayer;

/// Two years, the value HSTS preload lists ask for. Browsers honour it only over a connection
/// whose certificate they trust, and never for an IP address (RFC 6797 §8.1, §8.3.4).
const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The layer for `router()`. `static_dir` holds the built app: the hashes of the inline scripts
/// Trunk writes into its `index.html` are the only inline code the policy allows.
pub fn layer(
    static_dir: Option<&Path>,
) -> MapResponseLayer<impl Fn(Response) -> Response + Clone + Send + Sync + 'static> {
    let index_html = static_dir.and_then(|dir| {
        let path = dir.join("index.html");
        std::fs::read_to_string(&path)
            .inspect_err(|error| {
                // Fails closed: without the hashes the browser refuses to start the app.
                tracing::warn!(%error, path = %path.display(), "cannot read the app's index.html for its CSP hashes");
            })
            .ok()
    });
    let policy = content_security_policy(index_html.as_deref());
    let policy = HeaderValue::try_from(policy).unwrap_or_else(|_| {
        tracing::error!("the Content-Security-Policy is not a valid header value; allowing no inline script");
        HeaderValue::from_static(BASE_POLICY_WITHOUT_HASHES)
    });
    let headers: [(HeaderName, HeaderValue); 6] = [
        (header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS)),
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        // Superseded by `frame-ancestors` in CSP-aware browsers; kept for the rest (RFC 7034).
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        (HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin")),
    ];
    MapResponseLayer::new(move |mut response: Response| {
        // Overriding, not appending: one policy for the whole relay, whatever a handler set.
        for (name, value) in &headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        response
    })
}

/// Only what the app loads from the relay itself. `wasm-unsafe-eval` lets it compile its own
/// WebAssembly and nothing else (no `eval`); `style-src-attr 'unsafe-inline'` is for the
/// `style="…"` attributes ECharts and Leptos set, while `<style>` elements stay forbidden.
const BASE_POLICY_WITHOUT_HASHES: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; \
     manifest-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; \
     object-src 'none'";

/// The policy, with a `'sha256-…'` source for each inline script of `index_html`.
pub fn content_security_policy(index_html: Option<&str>) -> String {
    let hashes: String = index_html
        .map(inline_scripts)
        .unwrap_or_default()
        .iter()
        .map(|script| {
            // The HTML parser turns CRLF and CR into LF before the script text exists, and the
            // browser hashes that text (HTML §13.2.3.5, CSP3 §8.4).
            let text = script.replace("\r\n", "\n").replace('\r', "\n");
            let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()));
            format!(" 'sha256-{digest}'")
        })
        .collect();
    BASE_POLICY_WITHOUT_HASHES.replacen("'wasm-unsafe-eval'", &format!("'wasm-unsafe-eval'{hashes}"), 1)
}

/// The text of every `<script>` without `src`, outside comments. Enough for the HTML Trunk
/// writes; not a general HTML parser.
fn inline_scripts(html: &str) -> Vec<&str> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    let mut scripts = Vec::new();
    let mut at = 0;
    loop {
        let next_script = lower[at..].find("<script").map(|i| at + i);
        let next_comment = lower[at..].find("<!--").map(|i| at + i);
        let start = match (next_script, next_comment) {
            (Some(script), Some(comment)) if comment < script => {
                match lower[comment..].find("-->") {
                    Some(end) => at = comment + end + 3,
                    None => break,
                }
                continue;
            }
            (Some(script), _) => script,
            (None, _) => break,
        };
        let Some(tag_end) = lower[start..].find('>').map(|i| start + i) else { break };
        let Some(close) = lower[tag_end..].find("</script").map(|i| tag_end + i) else { break };
        let has_src = lower[start..tag_end]
            .split(|c: char| c.is_ascii_whitespace())
            .skip(1)
            .any(|attribute| attribute == "src" || attribute.starts_with("src="));
        if !has_src {
            scripts.push(&html[tag_end + 1..close]);
        }
        at = close;
    }
    scripts
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRUNK_LIKE: &str = "<html><head>\n<!-- not <script>this</script> -->\n\
        <script src=\"/vendor/echarts.min.js\"></script>\n\
        <script type=\"module\">\nimport init from '/app.js';\nawait init();\n</script>\n</head></html>";

    #[test]
    fn only_inline_scripts_outside_comments_are_hashed() {
        assert_eq!(inline_scripts(TRUNK_LIKE), vec!["\nimport init from '/app.js';\nawait init();\n"]);
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_script_by_its_sha256() {
        let policy = content_security_policy(Some(TRUNK_LIKE));
        let expected = base64::engine::general_purpose::STANDARD
            .encode(Sha256::digest(b"\nimport init from '/app.js';\nawait init();\n"));
        assert!(policy.contains(&format!("script-src 'self' 'wasm-unsafe-eval' 'sha256-{expected}';")), "{policy}");
        let script_src = policy.split("; ").find(|d| d.starts_with("script-src ")).unwrap();
        assert!(!script_src.contains("unsafe-inline") && !script_src.contains("'unsafe-eval'"), "{script_src}");
    }

    #[test]
    fn crlf_files_hash_what_the_browser_sees() {
        let crlf = TRUNK_LIKE.replace('\n', "\r\n");
        assert_eq!(content_security_policy(Some(&crlf)), content_security_policy(Some(TRUNK_LIKE)));
    }

    #[test]
    fn without_an_app_no_inline_script_is_allowed() {
        assert_eq!(content_security_policy(None), BASE_POLICY_WITHOUT_HASHES);
        assert!(HeaderValue::try_from(content_security_policy(Some(TRUNK_LIKE))).is_ok());
    }
}
