//! The relay's security headers as the browser applies them: the app loads over HTTPS within
//! its Content-Security-Policy, and code the policy does not name is refused.

use serde_json::Value;

use crate::support::{Browser, Relay};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_enforces_the_content_security_policy() {
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;
    browser.client.goto(&relay.url).await.unwrap();
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.scheme(), "https");
    // Whatever page a visitor lands on, the app mounted into the empty <body> of index.html:
    // its inline loader, the wasm module and ECharts all passed the policy.
    browser.wait_for_js("the app to start", "return document.body.children.length > 0 ? true : null;").await;
    browser.assert_no_csp_violation().await;

    // An inline script the policy has no hash for does not run, and the recorder sees it.
    let inject = "const s = document.createElement('script'); s.textContent = 'window.__injected = true'; \
                  document.head.append(s); return null;";
    browser.client.execute(inject, vec![]).await.unwrap();
    let violation = browser.wait_for_js("a CSP violation", "return (window.__cspViolations || [])[0] || null;").await;
    assert!(violation.as_str().unwrap_or_default().starts_with("script-src-elem"), "{violation}");
    let ran = browser.client.execute("return window.__injected === true;", vec![]).await.unwrap();
    assert_eq!(ran, Value::Bool(false));
    browser.close().await;
}
