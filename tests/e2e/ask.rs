//! Asking the demo database questions in the browser and checking that what the chart shows
//! is exactly what the database returns for the same SQL.

use sqlx::Row;

use crate::support::{output_dir, Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

fn as_f64(v: &serde_json::Value) -> f64 {
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.parse().ok())).unwrap_or(f64::NAN)
}

/// Checks a cartesian chart against `SELECT label, value …` run directly on the database.
async fn assert_chart_matches_sql(relay: &Relay, chart: &serde_json::Value, sql: &str) {
    let rows = relay.direct_rows(sql).await;
    let labels: Vec<String> = chart["x"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string()))
        .collect();
    let values: Vec<f64> = chart["y"].as_array().unwrap().iter().map(as_f64).collect();
    assert_eq!(labels.len(), rows.len(), "the chart has {} points, the SQL {} rows", labels.len(), rows.len());
    for (i, row) in rows.iter().enumerate() {
        let label: String =
            row.try_get::<String, _>(0).or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string())).unwrap();
        let value: f64 = row.try_get::<f64, _>(1).or_else(|_| row.try_get::<i64, _>(1).map(|n| n as f64)).unwrap();
        assert_eq!(labels[i], label, "label of point {i}");
        assert!(
            (values[i] - value).abs() < 1e-6 * value.abs().max(1.0),
            "point {i} ({label}): chart {} vs SQL {value}",
            values[i]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_questions_draw_exactly_what_the_database_returns() {
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    let shots = output_dir();

    for (question, kind) in [
        ("revenue by month", "line"),
        ("top 10 customers by revenue", "bar"),
        ("number of orders per country", "bar"),
        ("average order value by year", "line"),
    ] {
        browser.ask(question).await;
        let chart = browser.wait_for_chart(kind).await;
        // The SQL the app shows is the SQL that ran; the same SQL straight on the database
        // must give the chart's points.
        let sql = browser.sql_text().await;
        assert_chart_matches_sql(&relay, &chart, &sql).await;
        browser.screenshot(&shots.join(format!("ask-{}.png", question.replace(' ', "-")))).await;
    }

    browser.ask("how many customers").await;
    let shown = browser.wait_for_testid_text("big-number").await;
    let digits: String = shown.chars().filter(char::is_ascii_digit).collect();
    let count: i64 = relay.direct_rows("SELECT count(*) FROM customers").await[0].get(0);
    assert_eq!(digits, count.to_string());

    // Charts, tables and streaming all worked within the relay's Content-Security-Policy.
    browser.assert_no_csp_violation().await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_query_that_writes_is_refused_with_a_clear_message() {
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    browser.ask("how many customers").await;
    browser.wait_for_testid_text("big-number").await;
    browser.run_sql("DELETE FROM customers").await;
    let (code, message) = browser.wait_for_error().await;
    assert_eq!(code, "read_only_violation");
    assert!(message.contains("read-only"), "{message}");
    let count: i64 = relay.direct_rows("SELECT count(*) FROM customers").await[0].get(0);
    assert!(count > 0);
    browser.screenshot(&output_dir().join("refused-delete.png")).await;
    browser.assert_no_csp_violation().await;
    browser.close().await;
}
