//! Zero retention, proven: unique marker values go into a PostgreSQL table; the real browser
//! runs queries that return them, fail on them (a cast error that quotes the value), time out
//! and are cancelled mid-stream, with the relay logging at trace level into a file. Then every
//! place something could be kept is searched for the markers, and any hit fails the test:
//!
//! - the relay's data directory (metadata store, vault key, certificate),
//! - the relay's log output (every level, trace included),
//! - the temporary directory (`$TMPDIR`, `/tmp` by default) with everything under it that
//!   was written while the test ran,
//! - the browser's profile directory (cache, storage, IndexedDB, service workers), after it
//!   closed.
//!
//! The markers are looked for as UTF-8 and as UTF-16 (Chromium keeps some strings that way).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;
use sqlx::{ConnectOptions, Executor};

use crate::support::{Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

/// Where the relay's log goes: a file the test reads back.
#[derive(Clone)]
struct LogFile(Arc<Mutex<std::fs::File>>);

impl Write for LogFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap().flush()
    }
}

/// Every file under `root` (not following links), written since `since`, whose bytes contain
/// one of `needles`. Files older than the test cannot hold its markers.
fn files_containing(root: &Path, needles: &[Vec<u8>], skip: &[PathBuf], since: SystemTime) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut pending = vec![root.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if skip.iter().any(|s| path.starts_with(s)) {
                continue;
            }
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let fresh = entry.metadata().and_then(|m| m.modified()).is_ok_and(|modified| modified >= since);
                if !fresh {
                    continue;
                }
                let Ok(bytes) = std::fs::read(&path) else { continue };
                if needles.iter().any(|n| bytes.windows(n.len()).any(|w| w == n.as_slice())) {
                    hits.push(path);
                }
            }
        }
    }
    hits
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_result_value_is_kept_anywhere() {
    let var = |name: &str| std::env::var(name).ok();
    let (Some(port), Some(admin), Some(admin_password), Some(reader), Some(reader_password), Some(ca)) = (
        var("VIZKRAFT_TEST_PG_PORT"),
        var("VIZKRAFT_TEST_PG_ADMIN"),
        var("VIZKRAFT_TEST_PG_ADMIN_PASSWORD"),
        var("VIZKRAFT_TEST_PG_READER"),
        var("VIZKRAFT_TEST_PG_READER_PASSWORD"),
        var("VIZKRAFT_TEST_CA"),
    ) else {
        assert!(std::env::var("CI").is_err(), "CI must run the canary test: scripts/test starts the servers");
        eprintln!("notice: test servers not configured; skipping");
        return;
    };

    let started = SystemTime::now() - std::time::Duration::from_secs(1);
    // The relay's log, at trace level, into a file.
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("relay.log");
    let log = LogFile(Arc::new(Mutex::new(std::fs::File::create(&log_path).unwrap())));
    let installed = tracing_subscriber::fmt()
        .with_env_filter(vizkraft_relay::telemetry::env_filter("trace"))
        .with_writer(move || log.clone())
        .with_ansi(false)
        .try_init();
    assert!(installed.is_ok(), "another test installed a log subscriber first");

    // Markers no other test or file uses: a text and a number.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let tag = format!("{:x}{:x}", nanos, std::process::id());
    let text_marker = format!("vkcanary{tag}");
    let number_marker = 7_100_000_000_000i64 + (nanos % 1_000_000_000) as i64;
    let table = format!("canary_{tag}");
    let pg = sqlx::postgres::PgConnectOptions::new_without_pgpass()
        .host("localhost")
        .port(port.parse().unwrap())
        .username(&admin)
        .password(&admin_password)
        .database("vizkraft_test")
        .ssl_mode(sqlx::postgres::PgSslMode::VerifyFull)
        .ssl_root_cert(&ca);
    let mut admin_conn = pg.connect().await.unwrap();
    admin_conn
        .execute(
            format!(
                "CREATE TABLE {table} (id int PRIMARY KEY, secret text NOT NULL, amount bigint NOT NULL);
                 INSERT INTO {table} VALUES (1, '{text_marker}', {number_marker}), (2, '{text_marker}-2', {number_marker} + 1);
                 GRANT SELECT ON {table} TO {reader}"
            )
            .as_str(),
        )
        .await
        .unwrap();

    let relay = Relay::start_with(|args| args.limits.statement_timeout_ms = 3_000).await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;
    let source = json!({
        "name": "Canary",
        "connection": {"engine": "postgres", "host": "localhost", "port": port.parse::<u16>().unwrap(),
                       "database": "vizkraft_test", "user": reader, "ca_certificate": std::fs::read_to_string(&ca).unwrap()},
        "password": reader_password,
    });
    let (status, body) = browser.fetch_json("POST", "/api/v1/sources", &source).await;
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["source"]["id"].as_str().unwrap().to_owned();
    browser.client.goto(&relay.url).await.unwrap();
    browser
        .wait_for_js(
            "the canary source",
            &format!(
                "const s = document.querySelector('[data-testid=source-picker]'); \
                 if (!s || ![...s.options].some(o => o.value === {id:?})) return null; \
                 s.value = {id:?}; s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
            ),
        )
        .await;

    // 1. The markers come back and are shown: they did reach the browser.
    browser.run_sql(&format!("SELECT id, secret, amount FROM {table} ORDER BY id")).await;
    let page = browser
        .wait_for_js(
            "the markers on the page",
            &format!("return document.body.innerText.includes({text_marker:?}) ? document.body.innerText : null;"),
        )
        .await;
    assert!(page.as_str().unwrap().contains(&number_marker.to_string().chars().take(4).collect::<String>()));

    // 2. A failure that quotes a marker: the user sees the database's words, the log must not.
    browser.run_sql(&format!("SELECT CAST(secret AS integer) FROM {table}")).await;
    let (code, message) = browser.wait_for_error().await;
    assert_eq!(code, "query_failed");
    assert!(message.contains(&text_marker), "the error shown to the user: {message}");

    // 3. A timeout while the markers are being read.
    browser
        .run_sql(&format!("SELECT c.secret FROM {table} c CROSS JOIN generate_series(1, 2000000000) g WHERE g < 0"))
        .await;
    let (code, message) = browser.wait_for_error().await;
    assert_eq!(code, "query_timeout", "{message}");

    // 4. Cancelled mid-stream.
    browser
        // A recursive CTE streams rows as it makes them (generate_series would first build all).
        .run_sql(&format!(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT c.secret, c.amount, n FROM {table} c, r"
        ))
        .await;
    browser
        .wait_for_js(
            "rows arriving",
            "const p = document.querySelector('[data-testid=progress]'); return p && Number(p.dataset.rows) > 0 ? true : null;",
        )
        .await;
    browser.click("cancel-button").await;
    browser.wait_for_testid_text("cancelled-note").await;

    let profile = browser.close_keeping_profile().await;
    admin_conn.execute(format!("DROP TABLE {table}").as_str()).await.unwrap();
    // Let cancelled work finish logging.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;

    let log_text = std::fs::read_to_string(&log_path).unwrap();
    assert!(log_text.contains("TRACE") || log_text.contains("DEBUG"), "the relay logged nothing below INFO");
    assert!(log_text.contains("query"), "the relay's log does not mention the queries at all");

    let needles = [
        text_marker.as_bytes().to_vec(),
        number_marker.to_string().into_bytes(),
        utf16(&text_marker),
        utf16(&number_marker.to_string()),
    ];
    // The relay is still running: its data directory is searched as it is in use.
    let mut hits = Vec::new();
    for place in [relay.data_dir(), log_dir.path(), profile.path()] {
        hits.extend(files_containing(place, &needles, &[], started));
    }
    let mut skipped = vec![relay.data_dir().to_owned(), log_dir.path().to_owned(), profile.path().to_owned()];
    // The database servers' own files hold the source table (and its WAL and statement log);
    // they are wherever scripts/test-servers put them, possibly under the temporary directory.
    skipped.extend(var("VIZKRAFT_TEST_SERVERS_DIR").map(PathBuf::from));
    hits.extend(files_containing(&std::env::temp_dir(), &needles, &skipped, started));
    assert!(hits.is_empty(), "result values were kept in: {hits:#?}");
    drop(relay);
}
