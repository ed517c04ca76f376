//! A million-row result in the real browser: it streams with visible progress, arrives
//! compressed, every row can be scrolled to, and a chart of it is drawn reduced, saying so.

use serde_json::Value;
use sqlx::Row;

use crate::support::{output_dir, Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

const ALL_LINES: &str =
    "SELECT id, order_id, product_id, quantity, unit_price, line_total FROM order_lines ORDER BY id";

/// Records every row count the progress line shows, from now on, in `window.vkProgress`.
const WATCH_PROGRESS: &str = r#"
    window.vkProgress = [];
    new MutationObserver(() => {
        const p = document.querySelector('[data-testid=progress]');
        if (p) window.vkProgress.push(Number(p.getAttribute('data-rows')));
    }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-rows']});
"#;

async fn finished_row_count(browser: &Browser) -> u64 {
    let script = "const e = document.querySelector('[data-testid=row-count]'); return e ? e.getAttribute('data-row-count') : null;";
    browser.wait_for_js("the finished row count", script).await.as_str().unwrap().parse().unwrap()
}

/// Scrolls the result table to `fraction` of its height and returns the rows it then shows,
/// as `[row number, cells…]`.
async fn rows_at(browser: &Browser, fraction: f64) -> Vec<Vec<String>> {
    let scroll = format!(
        "const box = document.querySelector('[data-testid=table-scroll]');
         box.scrollTop = (box.scrollHeight - box.clientHeight) * {fraction};
         box.dispatchEvent(new Event('scroll'));"
    );
    browser.client.execute(&scroll, vec![]).await.unwrap();
    // The rows follow the scroll position once Leptos has redrawn them.
    let read = format!(
        "const box = document.querySelector('[data-testid=table-scroll]');
         const want = Math.round(box.scrollTop) === Math.round((box.scrollHeight - box.clientHeight) * {fraction});
         const rows = [...box.querySelectorAll('tbody tr')].map(tr => [...tr.children].map(td => td.textContent));
         return want && rows.length ? rows : null;"
    );
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let rows: Value = browser.wait_for_js("the scrolled rows", &read).await;
    serde_json::from_value(rows).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_million_rows_stream_scroll_and_chart_without_being_cut() {
    let relay = Relay::start_with(|args| args.limits.row_cap = 5_000_000).await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    let total: i64 = relay.direct_rows("SELECT count(*) FROM order_lines").await[0].get(0);
    assert!(total > 1_000_000, "the demo has {total} order lines");

    browser.ask("how many customers").await;
    browser.wait_for_testid_text("big-number").await;
    browser.client.execute(WATCH_PROGRESS, vec![]).await.unwrap();
    browser.run_sql(ALL_LINES).await;
    assert_eq!(finished_row_count(&browser).await, total as u64);

    // Progress showed rows arriving before the end.
    let seen: Vec<u64> =
        serde_json::from_value(browser.client.execute("return window.vkProgress", vec![]).await.unwrap()).unwrap();
    assert!(seen.iter().any(|&n| n > 0 && n < total as u64), "no intermediate progress in {seen:?}");

    // The stream came zstd-compressed and the browser decoded it.
    let sizes = browser
        .client
        .execute(
            "const e = performance.getEntriesByType('resource').filter(e => e.name.endsWith('/api/v1/query')).pop();
             return [e.encodedBodySize, e.decodedBodySize];",
            vec![],
        )
        .await
        .unwrap();
    let (encoded, decoded) = (sizes[0].as_u64().unwrap(), sizes[1].as_u64().unwrap());
    assert!(encoded > 0 && encoded * 2 < decoded, "{encoded} bytes on the wire for {decoded}");

    // Every row can be reached: the last one, and one in the middle matches the database.
    let note = browser.wait_for_testid_text("table-note").await;
    assert!(note.replace(',', "").starts_with(&total.to_string()), "{note}");
    let bottom = rows_at(&browser, 1.0).await;
    assert_eq!(bottom.last().unwrap()[0], total.to_string());
    let middle = rows_at(&browser, 0.5).await;
    let number: i64 = middle[0][0].parse().unwrap();
    assert!((number - total / 2).abs() < total / 100, "row {number} at the middle of {total}");
    let direct = relay.direct_rows(&format!("{ALL_LINES} LIMIT 1 OFFSET {}", number - 1)).await;
    let expected: Vec<String> = (0..4).map(|c| direct[0].get::<i64, _>(c).to_string()).collect();
    assert_eq!(middle[0][1..5], expected[..], "row {number}");

    // A line of a million points is drawn from a few thousand, and the chart says so.
    browser.run_sql("SELECT id, line_total FROM order_lines ORDER BY id").await;
    browser.wait_for_js("a scatter", "return document.querySelector('[data-chart-kind=scatter]') && document.querySelector('[data-testid=row-count]');").await;
    browser.click("chart-kind-line").await;
    let chart = browser.wait_for_chart("line").await;
    let points = chart["y"].as_array().unwrap().len();
    assert!((1_000..=4_000).contains(&points), "{points} points drawn");
    let note = browser.wait_for_testid_text("chart-note").await;
    assert!(note.contains("points drawn") && note.replace(',', "").contains(&total.to_string()), "{note}");

    browser.screenshot(&output_dir().join("million-rows-line.png")).await;

    browser.assert_no_csp_violation().await;
    browser.close().await;
}
