//! Saving the chart on screen, finding it under Charts with its provenance, opening it (its SQL
//! runs again, live), duplicating and deleting it.

use crate::support::{Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

async fn chart_names(browser: &Browser) -> Vec<String> {
    let script = "return [...document.querySelectorAll('[data-testid=chart-name]')].map(e => e.textContent);";
    serde_json::from_value(browser.client.execute(script, vec![]).await.unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chart_is_saved_opened_live_duplicated_and_deleted() {
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;

    browser.ask("revenue by month").await;
    let asked = browser.wait_for_chart("line").await;
    let asked_sql = browser.sql_text().await;
    browser.fill("save-chart-name", "Monthly revenue").await;
    browser.click("save-chart").await;
    browser.wait_for_testid_text("save-chart-done").await;

    browser.client.goto(&format!("{}charts", relay.url)).await.unwrap();
    browser.wait_for_js("the saved chart", "return document.querySelector('[data-testid=chart-item]');").await;
    assert_eq!(chart_names(&browser).await, ["Monthly revenue"]);
    let provenance = browser.wait_for_testid_text("chart-provenance").await;
    assert!(provenance.contains(OWNER_EMAIL) && provenance.contains("SELECT"), "{provenance}");

    browser.click("chart-open").await;
    let opened = browser.wait_for_chart("line").await;
    assert_eq!(opened, asked, "the saved chart draws what the question drew");

    // Edit: a new name and SQL that the guard checks again on saving.
    browser.click("chart-edit").await;
    browser.fill("chart-edit-sql", "DELETE FROM customers").await;
    browser.click("chart-edit-save").await;
    let (code, _) = browser.wait_for_error().await;
    assert_eq!(code, "read_only_violation");
    browser.fill("chart-edit-name", "Revenue per month").await;
    browser.fill("chart-edit-sql", &asked_sql).await;
    browser.click("chart-edit-save").await;
    browser
        .wait_for_js("the new name", "return [...document.querySelectorAll('[data-testid=chart-name]')].some(e => e.textContent === 'Revenue per month') || null;")
        .await;

    browser.click("chart-duplicate").await;
    browser
        .wait_for_js("the copy", "return document.querySelectorAll('[data-testid=chart-item]').length === 2 || null;")
        .await;
    let mut names = chart_names(&browser).await;
    names.sort();
    assert_eq!(names, ["Revenue per month", "Revenue per month (copy)"]);

    browser.click("chart-delete").await;
    browser.click("chart-delete-confirm").await;
    browser
        .wait_for_js(
            "one chart left",
            "return document.querySelectorAll('[data-testid=chart-item]').length === 1 || null;",
        )
        .await;
    browser.assert_no_csp_violation().await;
    browser.close().await;
}
