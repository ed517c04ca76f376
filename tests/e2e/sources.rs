//! An owner adds the real PostgreSQL server's Chinook database on the Data sources page over
//! verified TLS, sees "Test connection" name a wrong CA precisely, and then asks the new source
//! a question and gets the chart the database's own answer predicts.

use std::path::PathBuf;

use sqlx::{ConnectOptions, Connection};

use crate::support::{output_dir, Browser, Relay, OWNER_EMAIL, OWNER_PASSWORD};

/// What `scripts/test-servers` exported, or `None` outside CI when it did not run.
struct Postgres {
    port: String,
    user: String,
    password: String,
    ca: PathBuf,
    other_ca: PathBuf,
}

fn postgres() -> Option<Postgres> {
    let var = |name: &str| std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set (scripts/test sets it)"));
    if std::env::var_os("VIZKRAFT_TEST_PG_PORT").is_none() && std::env::var("CI").is_err() {
        eprintln!("notice: test servers not configured; skipping");
        return None;
    }
    Some(Postgres {
        port: var("VIZKRAFT_TEST_PG_PORT"),
        user: var("VIZKRAFT_TEST_PG_READER"),
        password: var("VIZKRAFT_TEST_PG_READER_PASSWORD"),
        ca: var("VIZKRAFT_TEST_CA").into(),
        other_ca: var("VIZKRAFT_TEST_OTHER_CA").into(),
    })
}

impl Browser {
    /// Picks `value` in the select `testid` once that option exists, as a person would
    /// (the `change` event included).
    async fn select(&self, testid: &str, value: &str) {
        let script = format!(
            "const s = document.querySelector('[data-testid={testid}]'); \
             if (!s || ![...s.options].some(o => o.value === {value:?})) return null; \
             s.value = {value:?}; s.dispatchEvent(new Event('change', {{bubbles: true}})); return true;"
        );
        self.wait_for_js(&format!("option {value} of {testid}"), &script).await;
    }

    /// Waits for the connection test's verdict: `connected` or the failure kind.
    async fn connection_verdict(&self) -> String {
        let script = "const e = document.querySelector('[data-testid=source-test-result]'); \
                      if (!e || !e.dataset.outcome) return null; \
                      return e.dataset.outcome === 'connected' ? 'connected' : (e.dataset.kind || e.dataset.outcome);";
        self.wait_for_js("the connection test", script).await.as_str().unwrap_or_default().to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_adds_postgres_over_verified_tls_and_charts_it() {
    let Some(pg) = postgres() else { return };
    let relay = Relay::start().await;
    let browser = Browser::start(&relay).await;
    browser.set_up_first_owner(&relay, OWNER_EMAIL, OWNER_PASSWORD).await;

    browser.click("nav-sources").await;
    browser.fill("source-name", "Chinook on PostgreSQL").await;
    browser.select("source-engine", "postgres").await;
    browser.fill("source-host", "localhost").await;
    browser.fill("source-port", &pg.port).await;
    browser.fill("source-database", "chinook").await;
    browser.fill("source-user", &pg.user).await;
    browser.fill("source-password", &pg.password).await;

    // A CA that did not sign the server's certificate: the page says exactly that.
    browser.fill("source-ca", &std::fs::read_to_string(&pg.other_ca).unwrap()).await;
    browser.click("source-test").await;
    assert_eq!(browser.connection_verdict().await, "certificate_untrusted");

    browser.fill("source-ca", &std::fs::read_to_string(&pg.ca).unwrap()).await;
    browser.click("source-test").await;
    assert_eq!(browser.connection_verdict().await, "connected");
    assert!(browser.wait_for_testid_text("source-test-tls").await.contains("TLSv1.3"));
    browser.screenshot(&output_dir().join("sources-tested.png")).await;
    browser.click("source-save").await;
    let id = browser
        .wait_for_js(
            "the saved source",
            "const r = document.querySelector('[data-testid=source-row][data-read-only=false]'); \
             return r ? r.dataset.sourceId : null;",
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!browser.client.source().await.unwrap().contains(&pg.password), "the password is on the page after saving");

    // Ask the new source; the bars add up to every track, as PostgreSQL itself counts them.
    browser.client.goto(&relay.url).await.unwrap();
    let schema_lists = |table: &str| {
        format!(
            "const b = document.querySelector('[data-testid=schema-browser]'); \
             return b && b.textContent.includes({table:?}) ? true : null;"
        )
    };
    browser.wait_for_js("a schema", &schema_lists("rows")).await;
    browser.select("source-picker", &id).await;
    browser.wait_for_js("the Chinook schema", &schema_lists("Track")).await;
    browser.ask("number of tracks by genre").await;
    let chart = browser.wait_for_chart("bar").await;
    let shown: f64 = chart["y"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap_or(0.0)).sum();
    let options = sqlx::postgres::PgConnectOptions::new_without_pgpass()
        .host("localhost")
        .port(pg.port.parse().unwrap())
        .username(&pg.user)
        .password(&pg.password)
        .database("chinook")
        .ssl_mode(sqlx::postgres::PgSslMode::VerifyFull)
        .ssl_root_cert(&pg.ca);
    let mut direct = options.connect().await.unwrap();
    let tracks: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "Track""#).fetch_one(&mut direct).await.unwrap();
    direct.close().await.unwrap();
    assert_eq!(shown as i64, tracks, "the chart's bars against the tracks PostgreSQL counts");
    browser.screenshot(&output_dir().join("sources-postgres-chart.png")).await;
    browser.assert_no_csp_violation().await;
    browser.close().await;
}
