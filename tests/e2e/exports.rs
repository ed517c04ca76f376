//! Exports from browser memory: the result as CSV (every row, matching the database), the chart
//! as PNG and SVG, saved by the real browser to a download directory.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::Row;

use crate::support::{Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

/// Waits for a finished download named `name` in `dir`.
async fn downloaded(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let started = Instant::now();
    loop {
        let partial =
            std::fs::read_dir(dir).unwrap().flatten().any(|e| e.file_name().to_string_lossy().ends_with(".crdownload"));
        if path.exists() && !partial {
            return path;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "{name} was not downloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_and_charts_are_saved_from_browser_memory() {
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    let downloads = tempfile::tempdir().unwrap();
    browser
        .devtools(
            "Browser.setDownloadBehavior",
            json!({"behavior": "allow", "downloadPath": downloads.path().to_str().unwrap()}),
        )
        .await;

    browser.ask("revenue by month").await;
    browser.wait_for_chart("line").await;
    let sql = browser.sql_text().await;

    browser.click("export-csv").await;
    let csv = std::fs::read_to_string(downloaded(downloads.path(), "vizkraft-result.csv").await).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    let rows = relay.direct_rows(&sql).await;
    assert_eq!(lines.len(), rows.len() + 1, "a header and every row");
    assert_eq!(lines[0], "month,revenue");
    for (line, row) in lines[1..].iter().zip(&rows) {
        let (month, revenue) = line.split_once(',').unwrap();
        assert_eq!(month, row.get::<String, _>(0));
        let expected: f64 = row.get(1);
        assert!((revenue.parse::<f64>().unwrap() - expected).abs() < 1e-6 * expected.abs().max(1.0), "{line}");
    }

    browser.click("export-png").await;
    let png = std::fs::read(downloaded(downloads.path(), "vizkraft-chart.png").await).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 5_000, "{} bytes", png.len());

    browser.click("export-svg").await;
    let svg = std::fs::read_to_string(downloaded(downloads.path(), "vizkraft-chart.svg").await).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("<path") && svg.contains("revenue"),
        "{}",
        &svg[..200.min(svg.len())]
    );

    browser.assert_no_csp_violation().await;
    browser.close().await;
}
