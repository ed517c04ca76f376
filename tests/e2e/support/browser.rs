//! Debian's headless Chromium driven through chromedriver, with action-named helpers.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use super::Relay;

/// Longest a test waits for the app to react (a query over a million rows included).
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Browser {
    pub client: Client,
    driver: Child,
    /// The profile directory; it lives as long as the browser.
    profile: tempfile::TempDir,
}

/// Runs before any of the page's own scripts, so a violation while the app loads is seen too.
/// DevTools-injected scripts are not subject to the page's CSP.
const RECORD_CSP_VIOLATIONS: &str = r#"
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
        `${e.effectiveDirective} refused ${e.blockedURI || 'inline code'} at ${e.sourceFile}:${e.lineNumber}`));
"#;

impl Browser {
    /// Starts Chromium trusting exactly the relay's certificate (by its public key), with
    /// certificate verification otherwise as usual.
    pub async fn start(relay: &Relay) -> Browser {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver_bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {driver_bin}: {e} (scripts/test installs chromium-driver)"));
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
        ]
        .iter()
        .map(|a| a.to_string())
        .chain([
            format!("--user-data-dir={}", profile.path().display()),
            format!("--ignore-certificate-errors-spki-list={}", relay.spki_sha256),
        ])
        .collect::<Vec<_>>();
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".into(), json!({ "binary": chromium, "args": args }));

        // chromedriver needs a moment to listen; retry the session request, bounded.
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() < Duration::from_secs(20) => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot open a Chromium session: {e}"),
            }
        };
        client
            .issue_cmd(DevTools {
                method: "Page.addScriptToEvaluateOnNewDocument",
                params: json!({ "source": RECORD_CSP_VIOLATIONS }),
            })
            .await
            .unwrap();
        Browser { client, driver, profile }
    }

    /// Sends a Chrome DevTools Protocol command to the page and returns its result.
    pub async fn devtools(&self, method: &'static str, params: Value) -> Value {
        let reply = self.client.issue_cmd(DevTools { method, params }).await.unwrap();
        reply.get("value").cloned().unwrap_or(reply)
    }

    /// Types into the field with `testid`, replacing what is there.
    pub async fn fill(&self, testid: &str, text: &str) {
        let field = self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&format!("[data-testid={testid}]")))
            .await
            .unwrap_or_else(|e| panic!("no {testid}: {e}"));
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, testid: &str) {
        let locator = format!("[data-testid={testid}]");
        self.client.wait().at_most(PATIENCE).for_element(Locator::Css(&locator)).await.unwrap().click().await.unwrap();
    }

    /// Creates the first owner through the set-up link the relay printed, and lands on the
    /// Ask page signed in.
    pub async fn set_up_first_owner(&self, relay: &Relay, email: &str, password: &str) {
        self.client.goto(&format!("{}setup#{}", relay.url, relay.setup_token)).await.unwrap();
        self.fill("setup-email", email).await;
        self.fill("setup-name", "Olivia Owner").await;
        self.fill("setup-password", password).await;
        self.fill("setup-organisation", "Acme").await;
        self.click("setup-submit").await;
        self.client.wait().at_most(PATIENCE).for_element(Locator::Css("[data-testid=question-input]")).await.unwrap();
    }

    pub async fn sign_in(&self, relay: &Relay, email: &str, password: &str) {
        self.client.goto(&format!("{}signin", relay.url)).await.unwrap();
        self.fill("signin-email", email).await;
        self.fill("signin-password", password).await;
        self.click("signin-submit").await;
        self.client.wait().at_most(PATIENCE).for_element(Locator::Css("[data-testid=question-input]")).await.unwrap();
    }

    pub async fn sign_out(&self) {
        self.click("sign-out").await;
        self.client.wait().at_most(PATIENCE).for_element(Locator::Css("[data-testid=signin-email]")).await.unwrap();
    }

    /// The HTTP status the page's own `fetch` of `path` gets, with whatever credentials the
    /// browser holds.
    pub async fn fetch_status(&self, path: &str) -> u16 {
        let script = format!(
            "const done = arguments[0]; fetch('{path}', {{cache: 'no-store'}}).then(r => done(r.status), () => done(0));"
        );
        let value = self.client.execute_async(&script, vec![]).await.unwrap();
        value.as_u64().unwrap_or(0) as u16
    }

    /// Types a question and presses Enter, as a person would.
    pub async fn ask(&self, question: &str) {
        let input = self.client.find(Locator::Css("[data-testid=question-input]")).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(&format!("{question}\u{E007}")).await.unwrap();
    }

    /// Replaces the SQL in the editor and presses Run. The error on screen, if any, is
    /// remembered as stale, so `wait_for_error` waits for this run's own.
    pub async fn run_sql(&self, sql: &str) {
        self.client
            .execute("window.__vkStaleError = document.querySelector('[data-testid=error]');", vec![])
            .await
            .unwrap();
        let editor = self.client.find(Locator::Css("[data-testid=sql-editor]")).await.unwrap();
        editor.clear().await.unwrap();
        editor.send_keys(sql).await.unwrap();
        self.client.find(Locator::Css("[data-testid=run-button]")).await.unwrap().click().await.unwrap();
    }

    pub async fn sql_text(&self) -> String {
        let editor = self.client.find(Locator::Css("[data-testid=sql-editor]")).await.unwrap();
        editor.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Waits until `script` (a JS function body) returns something other than null, and returns it.
    pub async fn wait_for_js(&self, what: &str, script: &str) -> Value {
        let started = Instant::now();
        loop {
            let value = self.client.execute(script, vec![]).await.unwrap();
            if !value.is_null() {
                return value;
            }
            assert!(started.elapsed() < PATIENCE, "gave up waiting for {what}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a finished query whose chart is `kind`, then returns what the ECharts
    /// instance holds: `{kind, x, y}` for cartesian charts, `{kind, pie}` for pies.
    pub async fn wait_for_chart(&self, kind: &str) -> Value {
        let script = format!(
            r#"
            const done = document.querySelector('[data-testid=row-count]');
            const box = document.querySelector('[data-testid=chart][data-chart-kind="{kind}"]');
            if (!done || !box) return null;
            const el = box.querySelector('[_echarts_instance_]') || (box.hasAttribute('_echarts_instance_') ? box : null);
            if (!el) return null;
            const chart = echarts.getInstanceByDom(el);
            if (!chart) return null;
            const o = chart.getOption();
            if (!o.series || !o.series.length || !o.series[0].data || !o.series[0].data.length) return null;
            if ('{kind}' === 'pie') return {{kind: '{kind}', pie: o.series[0].data.map(d => [d.name, d.value])}};
            // The points as ECharts itself holds them, whether they came as objects or as a
            // typed array: x as the category it names (or the number), y as the value.
            const data = chart.getModel().getSeriesByIndex(0).getData();
            const [xDim, yDim] = [data.mapDimension('x'), data.mapDimension('y')];
            const categories = o.xAxis[0].data;
            const x = [], y = [];
            for (let i = 0; i < data.count(); i++) {{
                const xv = data.get(xDim, i);
                x.push(categories ? categories[xv] : xv);
                y.push(data.get(yDim, i));
            }}
            return {{kind: '{kind}', x, y}};
            "#
        );
        self.wait_for_js(&format!("a {kind} chart"), &script).await
    }

    pub async fn wait_for_testid_text(&self, testid: &str) -> String {
        let script =
            format!("const e = document.querySelector('[data-testid={testid}]'); return e ? e.textContent : null;");
        self.wait_for_js(testid, &script).await.as_str().unwrap_or_default().to_owned()
    }

    /// The error shown to the user, as `(code, message)`.
    pub async fn wait_for_error(&self) -> (String, String) {
        // Not the error of an earlier run that is still on screen (see `run_sql`).
        let script = "const e = document.querySelector('[data-testid=error]'); \
                      return e && e !== window.__vkStaleError ? [e.getAttribute('data-error-code'), e.textContent] : null;";
        let value = self.wait_for_js("an error message", script).await;
        (value[0].as_str().unwrap_or_default().to_owned(), value[1].as_str().unwrap_or_default().to_owned())
    }

    /// Saves a screenshot once ECharts' entry animation (1 s by default) has played, so the
    /// picture shows the finished chart.
    pub async fn screenshot(&self, path: &Path) {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let png = self.client.screenshot().await.unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Every Content-Security-Policy violation since the page loaded.
    pub async fn csp_violations(&self) -> Vec<String> {
        let value = self.client.execute("return window.__cspViolations || null;", vec![]).await.unwrap();
        let list = value.as_array().unwrap_or_else(|| panic!("the CSP recorder is not installed: {value}"));
        list.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect()
    }

    /// Fails if the relay's CSP blocked anything the app tried to do.
    pub async fn assert_no_csp_violation(&self) {
        let violations = self.csp_violations().await;
        assert!(violations.is_empty(), "the Content-Security-Policy blocked: {violations:#?}");
    }

    pub async fn close(self) {
        drop(self.close_keeping_profile().await);
    }

    /// Closes the browser and hands over its profile directory (deleted when dropped), for a
    /// test that inspects what the browser kept on disk.
    pub async fn close_keeping_profile(mut self) -> tempfile::TempDir {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        self.profile
    }

    /// `fetch` from the page, as the app would: same origin, the session cookie, JSON.
    /// Returns `[status, body text]`.
    pub async fn fetch_json(&self, method: &str, path: &str, body: &Value) -> (u16, String) {
        let script = format!(
            "const done = arguments[0]; \
             fetch({path:?}, {{method: {method:?}, headers: {{'Content-Type': 'application/json'}}, body: {body:?}}}) \
               .then(async r => done([r.status, await r.text()]), e => done([0, String(e)]));",
            body = body.to_string()
        );
        let value = self.client.execute_async(&script, vec![]).await.unwrap();
        (value[0].as_u64().unwrap_or(0) as u16, value[1].as_str().unwrap_or_default().to_owned())
    }
}

/// A Chrome DevTools Protocol call through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct DevTools {
    method: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.method, "params": self.params }).to_string()))
    }
}
