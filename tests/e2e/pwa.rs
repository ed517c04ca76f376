//! The installable app: Chromium finds nothing missing for installation, the service worker
//! keeps the application shell and never an API response, offline the app still opens and
//! says plainly that it is offline and that no data is stored on the device, and a new
//! deployment is offered to an open page and taken on the user's word.

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

/// Copies the built app, so that one test can deploy a "new version" of it.
fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_deployment_is_offered_and_taken_on_reload() {
    let deployed = tempfile::tempdir().unwrap();
    copy_dir(&Relay::dist(), deployed.path());
    let static_dir = deployed.path().to_owned();
    let relay = Relay::start_with(|args| args.static_dir = Some(static_dir)).await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    browser
        .client
        .execute_async("navigator.serviceWorker.ready.then(r => arguments[0](!!r.active))", vec![])
        .await
        .unwrap();
    browser.client.goto(&relay.url).await.unwrap();
    browser.wait_for_js("the page under its worker", "return navigator.serviceWorker.controller ? true : null;").await;
    let banner_now = "return document.querySelector('[data-testid=update-banner]') ? 'shown' : 'none';";
    assert_eq!(browser.client.execute(banner_now, vec![]).await.unwrap(), json!("none"), "nothing new yet");

    // A new build is deployed: its worker carries a new build id.
    let worker = deployed.path().join("sw.js");
    let script = std::fs::read_to_string(&worker).unwrap();
    let build = script.split("const BUILD = \"").nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_owned();
    assert!(build.len() == 16 && !build.contains("VIZKRAFT"), "the build stamped its id: {build}");
    std::fs::write(&worker, script.replace(&build, "0123456789abcdef")).unwrap();

    // The open page checks (as it does every half hour), and offers the update.
    browser
        .client
        .execute("navigator.serviceWorker.getRegistration().then(r => r.update()); window.beforeUpdate = true;", vec![])
        .await
        .unwrap();
    let banner = browser.wait_for_testid_text("update-banner").await;
    assert!(banner.contains("A new version of Vizkraft is available"), "{banner}");
    browser.screenshot(&output_dir().join("update-offered.png")).await;

    // Taken: the new worker takes over and the page reloads under it.
    browser.click("update-reload").await;
    browser
        .wait_for_js(
            "the reloaded page",
            "return window.beforeUpdate ? null : document.querySelector('main') ? true : null;",
        )
        .await;
    let settled = browser
        .client
        .execute_async(
            "const done = arguments[0];
             navigator.serviceWorker.getRegistration().then(r => done({
                 waiting: !!r.waiting, active: !!r.active, controlled: !!navigator.serviceWorker.controller}));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        settled,
        json!({"waiting": false, "active": true, "controlled": true}),
        "the new worker serves the page"
    );
    assert_eq!(
        browser.client.execute(banner_now, vec![]).await.unwrap(),
        json!("none"),
        "and nothing is left to offer"
    );
    browser.assert_no_csp_violation().await;
    browser.close().await;
}
