//! The access layer from a person's side, over HTTPS in a real browser: the first-start link
//! creates the owner, sign-in leads to charts, and after sign-out the API refuses.

use crate::support::{output_dir, Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_up_sign_in_ask_and_sign_out() {
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;

    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    browser.sign_out().await;
    assert_eq!(browser.fetch_status("/api/v1/sources").await, 401);

    browser.sign_in(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(browser.fetch_status("/api/v1/sources").await, 200);
    browser.ask("revenue by month").await;
    let chart = browser.wait_for_chart("line").await;
    assert_eq!(chart["x"].as_array().map(Vec::len), Some(48), "four years of months");
    browser.screenshot(&output_dir().join("signed-in-ask.png")).await;

    browser.sign_out().await;
    assert_eq!(browser.fetch_status("/api/v1/sources").await, 401);
    assert_eq!(browser.fetch_status("/api/v1/me").await, 401);
    // The set-up link is spent.
    let reused = browser.fetch_status("/api/v1/setup").await;
    assert_eq!(reused, 200, "the status route stays public");
    browser.screenshot(&output_dir().join("signed-out.png")).await;
    browser.assert_no_csp_violation().await;
    browser.close().await;
}
