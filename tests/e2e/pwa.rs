//! The installable app: Chromium finds nothing missing for installation, the service worker
//! keeps the application shell and never an API response, and offline the app still opens and
//! says plainly that it is offline and that no data is stored on the device.

use serde_json::{json, Value};

use crate::support::{output_dir, Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

/// Every URL held in the page's Cache Storage, across all caches.
const CACHED_URLS: &str = r#"
    const done = arguments[0];
    (async () => {
        const urls = [];
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) urls.push(request.url);
        }
        return urls;
    })().then(done, (e) => done(['error: ' + e]));
"#;

async fn cached_urls(browser: &Browser) -> Vec<String> {
    serde_json::from_value(browser.client.execute_async(CACHED_URLS, vec![]).await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_installs_caches_its_shell_only_and_opens_offline() {
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;

    // The service worker takes over; from the next load on, the shell goes through it.
    let ready = browser
        .client
        .execute_async("navigator.serviceWorker.ready.then(r => arguments[0](!!r.active))", vec![])
        .await
        .unwrap();
    assert_eq!(ready, json!(true));
    browser.client.goto(&relay.url).await.unwrap();

    let manifest = browser.devtools("Page.getAppManifest", json!({})).await;
    assert!(manifest["url"].as_str().unwrap().ends_with("/manifest.webmanifest"), "{manifest}");
    assert_eq!(manifest["errors"], json!([]), "{manifest}");
    let installability = browser.devtools("Page.getInstallabilityErrors", json!({})).await;
    assert_eq!(installability["installabilityErrors"], json!([]), "{installability}");

    // Use the app: a question, its chart and its rows.
    browser.wait_for_js("the Ask page", "return document.querySelector('[data-testid=question-input]');").await;
    browser.ask("revenue by month").await;
    browser.wait_for_chart("line").await;
    browser.run_sql("SELECT name, unit_price FROM products ORDER BY id").await;
    browser.wait_for_js("the second result", "return document.querySelector('[data-testid=row-count]');").await;

    let urls = cached_urls(&browser).await;
    assert!(urls.iter().all(|u| !u.contains("/api/") && !u.contains("healthz")), "API responses cached: {urls:?}");
    assert!(urls.iter().any(|u| u.ends_with(".wasm")), "the app's wasm is not cached: {urls:?}");
    assert!(urls.iter().any(|u| u == &relay.url), "the page is not cached: {urls:?}");

    // Offline, with the relay gone too: the shell comes from the cache and says where it stands.
    browser.devtools("Network.enable", json!({})).await;
    browser
        .devtools(
            "Network.emulateNetworkConditions",
            json!({"offline": true, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
        )
        .await;
    let url = relay.url.clone();
    drop(relay);
    browser.client.goto(&url).await.unwrap();
    let banner = browser.wait_for_testid_text("offline-banner").await;
    assert!(banner.contains("You are offline") && banner.contains("No data is stored on this device"), "{banner}");
    let urls: Value = browser.client.execute_async(CACHED_URLS, vec![]).await.unwrap();
    assert!(!urls.to_string().contains("/api/"), "{urls}");
    browser.screenshot(&output_dir().join("offline.png")).await;
    browser.close().await;
}
