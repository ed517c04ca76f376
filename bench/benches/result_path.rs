//! The result path, measured side by side in one run (issue #5, `docs/benchmarks.md`):
//! PostgreSQL on loopback, the relay in this process on its own runtime, a Rust client that
//! decodes every batch, and headless Chromium for the browser figures.
//!
//! Run with `scripts/bench` (it starts the test servers and builds the app first), or by hand:
//! `cargo bench -p vizkraft-bench --bench result_path` with the test servers' `servers.env`
//! exported. `VIZKRAFT_BENCH_ROWS` (default 1,000,000) and `VIZKRAFT_BENCH_RSS_ROWS` (default
//! 10,000,000) change the sizes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../tests/e2e/support/mod.rs"]
#[allow(dead_code)]
mod support;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::TryStreamExt;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, RootCertStore};
use serde_json::{json, Value};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Row};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use vizkraft_domain::api::query::{Cell, ResultFrame};
use vizkraft_domain::result::wire::FrameDecoder;
use vizkraft_relay::tls::ServerCertificate;

use support::{Browser, Relay};

/// The issue's six columns: bigint, timestamptz, int, float8, numeric, text.
fn query(rows: u64) -> String {
    format!(
        "SELECT g::bigint AS id, timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second' AS at, \
         (g % 1000)::int AS n, g * 0.5::float8 AS x, ((g % 100000)::numeric / 100) AS amount, \
         'item-' || (g % 100000) AS label FROM generate_series(1, {rows}) AS g"
    )
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/bench, or export servers.env"))
}

#[derive(Clone)]
struct Database {
    host: String,
    port: u16,
    database: String,
    user: String,
    password: String,
    ca: PathBuf,
}

impl Database {
    fn from_env() -> Database {
        Database {
            host: env("VIZKRAFT_TEST_HOSTNAME"),
            port: env("VIZKRAFT_TEST_PG_PORT").parse().unwrap(),
            database: env("VIZKRAFT_TEST_DATABASE"),
            user: env("VIZKRAFT_TEST_PG_READER"),
            password: env("VIZKRAFT_TEST_PG_READER_PASSWORD"),
            ca: env("VIZKRAFT_TEST_CA").into(),
        }
    }

    async fn connect(&self) -> sqlx::PgConnection {
        PgConnectOptions::new()
            .host(&self.host)
            .port(self.port)
            .database(&self.database)
            .username(&self.user)
            .password(&self.password)
            .ssl_mode(PgSslMode::VerifyFull)
            .ssl_root_cert(&self.ca)
            .connect()
            .await
            .unwrap()
    }
}

/// CPU time (ns) of the threads of this process whose name starts with `prefix`, from the
/// scheduler's own accounting (`/proc/self/task/*/schedstat`, first field).
fn thread_cpu_ns(prefix: &str) -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim_end().starts_with(prefix) {
            let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
            total += stat.split_whitespace().next().and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    total
}

/// This thread's CPU time (ns).
fn own_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    stat.split_whitespace().next().unwrap().parse().unwrap()
}

fn resident_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with(field)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// A client of the relay over HTTPS (TLS 1.3, trusting the relay's own certificate), keeping
/// its connection alive between requests as a browser does.
struct Client {
    addr: SocketAddr,
    origin: String,
    tls: TlsConnector,
    cookie: String,
    connection: tokio::sync::Mutex<Option<Sender>>,
}

/// One result read by [`Client::stream`].
#[derive(Default)]
struct Streamed {
    rows: u64,
    wire_bytes: u64,
    decoded_bytes: u64,
    to_first_batch: Duration,
    total: Duration,
    /// The rows as cells, when asked for.
    kept: Vec<Vec<Cell>>,
}

impl Client {
    async fn new(relay: &Relay) -> Client {
        let certificate = ServerCertificate::from_options(None, None, relay.data_dir()).unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(certificate.chain[0].clone()).unwrap();
        let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let origin = relay.url.trim_end_matches('/').to_owned();
        let addr = origin.trim_start_matches("https://").parse().unwrap();
        let mut client = Client {
            addr,
            origin,
            tls: TlsConnector::from(Arc::new(config)),
            cookie: String::new(),
            connection: tokio::sync::Mutex::new(None),
        };
        let setup = json!({"token": relay.setup_token, "email": "bench@example.com", "display_name": "Bench",
                           "password": "bench-password-1", "organisation_name": "Bench"});
        let (status, headers, _) = client.call("/api/v1/setup", &setup, "").await;
        assert!(status.is_success(), "setup: {status}");
        let cookie = headers["set-cookie"].to_str().unwrap();
        client.cookie = cookie.split(';').next().unwrap().to_owned();
        client
    }

    async fn connect(&self) -> Sender {
        let tcp = TcpStream::connect(self.addr).await.unwrap();
        tcp.set_nodelay(true).unwrap();
        let tls = self.tls.connect(ServerName::try_from("localhost").unwrap(), tcp).await.unwrap();
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.unwrap();
        tokio::spawn(connection);
        sender
    }

    async fn send(&self, path: &str, body: &Value, accept_encoding: &str) -> hyper::Response<hyper::body::Incoming> {
        let mut slot = self.connection.lock().await;
        let reusable = match slot.as_mut() {
            Some(sender) => sender.ready().await.is_ok(),
            None => false,
        };
        if !reusable {
            *slot = Some(self.connect().await);
        }
        let sender = slot.as_mut().unwrap();
        let mut request = Request::post(path)
            .header("host", self.addr.to_string())
            .header("origin", &self.origin)
            .header("content-type", "application/json")
            .header("cookie", &self.cookie);
        if !accept_encoding.is_empty() {
            request = request.header("accept-encoding", accept_encoding);
        }
        let request = request.body(Full::new(Bytes::from(body.to_string()))).unwrap();
        sender.send_request(request).await.unwrap()
    }

    async fn call(
        &self,
        path: &str,
        body: &Value,
        accept_encoding: &str,
    ) -> (hyper::StatusCode, hyper::HeaderMap, Bytes) {
        let response = self.send(path, body, accept_encoding).await;
        let (parts, body) = response.into_parts();
        (parts.status, parts.headers, body.collect().await.unwrap().to_bytes())
    }

    /// Runs `sql` and decodes every frame as it arrives, decompressing zstd when `zstd`.
    async fn stream(&self, source: &str, sql: &str, zstd: bool, keep: bool) -> Streamed {
        let started = Instant::now();
        let body = json!({"source_id": source, "sql": sql});
        let response = self.send("/api/v1/query", &body, if zstd { "zstd" } else { "" }).await;
        assert!(response.status().is_success(), "{}", response.status());
        assert_eq!(response.headers().contains_key("content-encoding"), zstd);
        let mut body = response.into_body().into_data_stream();
        let mut decompressor = zstd.then(|| zstd::stream::write::Decoder::new(Vec::new()).unwrap());
        let mut decoder = FrameDecoder::default();
        let mut out = Streamed::default();
        let mut ended = false;
        while let Some(chunk) = body.try_next().await.unwrap() {
            out.wire_bytes += chunk.len() as u64;
            let plain = match &mut decompressor {
                Some(z) => {
                    z.write_all(&chunk).unwrap();
                    z.flush().unwrap();
                    std::mem::take(z.get_mut())
                }
                None => chunk.to_vec(),
            };
            out.decoded_bytes += plain.len() as u64;
            for frame in decoder.push(&plain).unwrap() {
                match frame {
                    ResultFrame::Batch { batch } => {
                        if out.rows == 0 {
                            out.to_first_batch = started.elapsed();
                        }
                        out.rows += batch.row_count as u64;
                        if keep {
                            out.kept.extend(
                                (0..batch.row_count).map(|r| batch.columns.iter().map(|c| c.cell(r)).collect()),
                            );
                        }
                    }
                    ResultFrame::End(_) => ended = true,
                    ResultFrame::Error { error } => panic!("the query failed: {}", error.message),
                    ResultFrame::Columns { .. } => {}
                }
            }
        }
        assert!(ended, "the stream ended without its end frame");
        out.total = started.elapsed();
        out
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// `psql … COPY (query) TO STDOUT (FORMAT binary) > /dev/null`, over verified TLS.
fn psql_copy(db: &Database, sql: &str) -> Duration {
    let started = Instant::now();
    let status = Command::new("psql")
        .args(["-X", "-q", "-h", &db.host, "-p", &db.port.to_string(), "-U", &db.user, "-d", &db.database, "-c"])
        .arg(format!("COPY ({sql}) TO STDOUT (FORMAT binary)"))
        .env("PGPASSWORD", &db.password)
        .env("PGSSLMODE", "verify-full")
        .env("PGSSLROOTCERT", &db.ca)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    started.elapsed()
}

/// A bare sqlx fetch on a thread of its own: (wall time, its CPU ns, time to the first row).
fn bare_fetch(db: &Database, sql: &str) -> (Duration, u64, Duration) {
    let sql = sql.to_owned();
    let db = db.clone();
    std::thread::Builder::new()
        .name("bare-sqlx".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut conn = db.connect().await;
                let cpu = own_cpu_ns();
                let started = Instant::now();
                let mut first = None;
                let mut rows = sqlx::query(&sql).fetch(&mut conn);
                let mut checksum = 0i64;
                while let Some(row) = rows.try_next().await.unwrap() {
                    first.get_or_insert_with(|| started.elapsed());
                    // Decode every value, as the relay does.
                    checksum = checksum.wrapping_add(row.get::<i64, _>(0));
                    let _: sqlx::types::chrono::DateTime<sqlx::types::chrono::Utc> = row.get(1);
                    checksum = checksum.wrapping_add(row.get::<i32, _>(2).into());
                    let _: f64 = row.get(3);
                    let amount = row.try_get_raw(4).unwrap();
                    checksum = checksum.wrapping_add(sqlx::ValueRef::is_null(&amount) as i64);
                    checksum = checksum.wrapping_add(row.get::<&str, _>(5).len() as i64);
                }
                drop(rows);
                std::hint::black_box(checksum);
                (started.elapsed(), own_cpu_ns() - cpu, first.unwrap_or_default())
            })
        })
        .unwrap()
        .join()
        .unwrap()
}

/// The rows as Metabase sends a dataset (`{"data": {"rows": [[…]], "cols": […]}}`), gzip -6.
fn metabase_json_gzip(rows: &[Vec<Cell>]) -> (usize, usize) {
    let mut json = Vec::new();
    json.extend_from_slice(br#"{"data":{"rows":["#);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            json.push(b',');
        }
        let values: Vec<Value> = row
            .iter()
            .map(|cell| match cell {
                Cell::Null => Value::Null,
                Cell::Int(n) => json!(n),
                Cell::Float(f) => json!(f),
                Cell::Bool(b) => json!(b),
                other => json!(other.to_string()),
            })
            .collect();
        serde_json::to_writer(&mut json, &values).unwrap();
    }
    json.extend_from_slice(
        br#"],"cols":[{"name":"id"},{"name":"at"},{"name":"n"},{"name":"x"},{"name":"amount"},{"name":"label"}]}}"#,
    );
    let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    gzip.write_all(&json).unwrap();
    (json.len(), gzip.finish().unwrap().len())
}

/// Our stream and Arrow IPC's, for the same rows: (name, bytes, zstd-1 bytes, encode ms,
/// decode ms), measured natively on this machine.
fn format_comparison(rows: &[Vec<Cell>]) -> Vec<(&'static str, usize, usize, f64, f64)> {
    use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder};
    use arrow_array::{ArrayRef, RecordBatch};
    use arrow_schema::{DataType, Field, Schema, TimeUnit};
    use vizkraft_domain::result::wire::encode_frame;
    use vizkraft_domain::result::{BatchBuilder, ResultData};

    const BATCH: usize = 16_384;
    let zstd_len = |bytes: &[u8]| zstd::bulk::compress(bytes, 1).unwrap().len();
    let ms = |started: Instant| started.elapsed().as_secs_f64() * 1000.0;
    let mut out = Vec::new();

    let started = Instant::now();
    let mut ours = Vec::new();
    for chunk in rows.chunks(BATCH) {
        let mut builder = BatchBuilder::new(6);
        for row in chunk {
            builder.push_row(row.iter().cloned());
        }
        encode_frame(&ResultFrame::Batch { batch: builder.take() }, &mut ours);
    }
    let encode = ms(started);
    let started = Instant::now();
    let mut data = ResultData::default();
    for frame in FrameDecoder::default().push(&ours).unwrap() {
        if let ResultFrame::Batch { batch } = frame {
            data.push(batch);
        }
    }
    assert_eq!(data.len(), rows.len());
    out.push(("Vizkraft columnar (ours)", ours.len(), zstd_len(&ours), encode, ms(started)));

    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), true),
        Field::new("n", DataType::Int64, true),
        Field::new("x", DataType::Float64, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("label", DataType::Utf8, true),
    ]));
    for (name, compression) in
        [("Arrow IPC stream", None), ("Arrow IPC stream, its own zstd buffers", Some(arrow_ipc::CompressionType::ZSTD))]
    {
        let started = Instant::now();
        let options = arrow_ipc::writer::IpcWriteOptions::default().try_with_compression(compression).unwrap();
        let mut writer = arrow_ipc::writer::StreamWriter::try_new_with_options(Vec::new(), &schema, options).unwrap();
        for chunk in rows.chunks(BATCH) {
            let (mut id, mut at, mut n) =
                (Int64Builder::new(), TimestampMicrosecondBuilder::new(), Int64Builder::new());
            let (mut x, mut amount, mut label) = (Float64Builder::new(), Float64Builder::new(), StringBuilder::new());
            for row in chunk {
                let int = |c: &Cell| if let Cell::Int(v) = c { Some(*v) } else { None };
                let float = |c: &Cell| if let Cell::Float(v) = c { Some(*v) } else { None };
                id.append_option(int(&row[0]));
                at.append_option(if let Cell::Timestamp(v) = row[1] { Some(v) } else { None });
                n.append_option(int(&row[2]));
                x.append_option(float(&row[3]));
                amount.append_option(float(&row[4]));
                label.append_option(if let Cell::Text(t) = &row[5] { Some(t.as_str()) } else { None });
            }
            let columns: Vec<ArrayRef> = vec![
                Arc::new(id.finish()),
                Arc::new(at.finish().with_timezone("UTC")),
                Arc::new(n.finish()),
                Arc::new(x.finish()),
                Arc::new(amount.finish()),
                Arc::new(label.finish()),
            ];
            writer.write(&RecordBatch::try_new(schema.clone(), columns).unwrap()).unwrap();
        }
        writer.finish().unwrap();
        let bytes = writer.into_inner().unwrap();
        let encode = ms(started);
        let started = Instant::now();
        let reader = arrow_ipc::reader::StreamReader::try_new(bytes.as_slice(), None).unwrap();
        let decoded: usize = reader.map(|batch| batch.unwrap().num_rows()).sum();
        assert_eq!(decoded, rows.len());
        out.push((name, bytes.len(), zstd_len(&bytes), encode, ms(started)));
    }
    out
}

fn main() {
    let rows: u64 = std::env::var("VIZKRAFT_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(1_000_000);
    let rss_rows: u64 =
        std::env::var("VIZKRAFT_BENCH_RSS_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000_000);
    let db = Database::from_env();
    let sql = query(rows);

    // The relay on a runtime of its own, so its threads' CPU time can be told from the client's.
    let relay_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("relay")
        .enable_all()
        .build()
        .unwrap();
    let relay = relay_rt.block_on(Relay::start_with(|args| {
        args.limits.row_cap = rss_rows * 2;
        args.limits.byte_cap = 1 << 40;
        args.limits.statement_timeout_ms = 600_000;
    }));
    let client_rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let client = client_rt.block_on(Client::new(&relay));
    let source = client_rt.block_on(async {
        let request = json!({"name": "bench", "connection": {"engine": "postgres", "host": db.host, "port": db.port,
            "database": db.database, "user": db.user, "ca_certificate": std::fs::read_to_string(&db.ca).unwrap()},
            "password": db.password});
        let (status, _, body) = client.call("/api/v1/sources", &request, "").await;
        assert!(status.is_success(), "adding the source: {status} {}", String::from_utf8_lossy(&body));
        serde_json::from_slice::<Value>(&body).unwrap()["source"]["id"].as_str().unwrap().to_owned()
    });

    println!("# Result path benchmark: {rows} rows × 6 columns (bigint, timestamptz, int, float8, numeric, text)\n");

    // Resident memory first, while the process has not yet held anything large.
    let baseline_kib = resident_kib("VmRSS:");
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let peak = {
        let sampling = sampling.clone();
        std::thread::spawn(move || {
            let mut peak = 0;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(resident_kib("VmRSS:"));
                std::thread::sleep(Duration::from_millis(20));
            }
            peak
        })
    };
    let big = client_rt.block_on(client.stream(&source, &query(rss_rows), true, false));
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let peak_kib = peak.join().unwrap();
    assert_eq!(big.rows, rss_rows);

    // Warm both paths (connections, pooled session, statement plans).
    client_rt.block_on(client.stream(&source, &query(1000), true, false));
    bare_fetch(&db, &query(1000));

    let runs = 3;
    let mut copy = Vec::new();
    let (mut plain, mut zstd) = (Vec::new(), Vec::new());
    let (mut plain_cpu, mut zstd_cpu, mut bare_cpu, mut bare) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut wire = (0, 0);
    for _ in 0..runs {
        copy.push(seconds(psql_copy(&db, &sql)));
        for (compressed, times, cpus) in [(false, &mut plain, &mut plain_cpu), (true, &mut zstd, &mut zstd_cpu)] {
            let cpu = thread_cpu_ns("relay");
            let streamed = client_rt.block_on(client.stream(&source, &sql, compressed, false));
            cpus.push((thread_cpu_ns("relay") - cpu) as f64 / 1e9);
            times.push(seconds(streamed.total));
            assert_eq!(streamed.rows, rows);
            if compressed {
                wire = (streamed.wire_bytes, streamed.decoded_bytes);
            }
        }
        let (wall, cpu, _) = bare_fetch(&db, &sql);
        bare.push(seconds(wall));
        bare_cpu.push(cpu as f64 / 1e9);
    }

    // B3: first rows, on a query whose first row the server has at once.
    let quick = "SELECT g::bigint AS id, now() AS at, 1 AS n, 0.5::float8 AS x, 1.5::numeric AS amount, 'a' AS label FROM generate_series(1, 5000) AS g";
    let (mut relay_first, mut direct_first) = (Vec::new(), Vec::new());
    for _ in 0..21 {
        let streamed = client_rt.block_on(client.stream(&source, quick, true, false));
        relay_first.push(streamed.to_first_batch.as_secs_f64() * 1000.0);
        direct_first.push(bare_fetch(&db, quick).2.as_secs_f64() * 1000.0);
    }

    // B6: the same rows as Metabase-style JSON, gzip -6.
    let kept = client_rt.block_on(client.stream(&source, &sql, false, true));
    let (json_bytes, gzip_bytes) = metabase_json_gzip(&kept.kept);
    let formats = format_comparison(&kept.kept);
    drop(kept);

    let (copy_s, plain_s, zstd_s) = (median(copy), median(plain), median(zstd));
    let (plain_cpu_s, zstd_cpu_s, bare_cpu_s) = (median(plain_cpu), median(zstd_cpu), median(bare_cpu));
    let (relay_first_ms, direct_first_ms) = (median(relay_first), median(direct_first));
    println!("| figure | measured | target |");
    println!("| --- | ---: | ---: |");
    println!(
        "| B1 psql COPY binary / relay stream, decoded (identity) | {:.2} ({copy_s:.3} s / {plain_s:.3} s) | ≥ 0.8 |",
        copy_s / plain_s
    );
    println!(
        "| B1 psql COPY binary / relay stream, decoded (zstd-1) | {:.2} ({copy_s:.3} s / {zstd_s:.3} s) | ≥ 0.8 |",
        copy_s / zstd_s
    );
    println!(
        "| B2 relay CPU / bare sqlx fetch CPU (identity) | {:.2} ({plain_cpu_s:.3} s / {bare_cpu_s:.3} s) | ≤ 1.3 |",
        plain_cpu_s / bare_cpu_s
    );
    println!(
        "| B2 relay CPU / bare sqlx fetch CPU (zstd-1) | {:.2} ({zstd_cpu_s:.3} s / {bare_cpu_s:.3} s) | ≤ 1.9 |",
        zstd_cpu_s / bare_cpu_s
    );
    println!("| bare sqlx fetch, wall | {:.3} s | |", median(bare));
    println!(
        "| B3 first decoded batch / first row, direct | {:.2} ({relay_first_ms:.2} ms / {direct_first_ms:.2} ms, {:+.2} ms) | ≤ 2, ≤ +3 ms |",
        relay_first_ms / direct_first_ms,
        relay_first_ms - direct_first_ms
    );
    println!(
        "| B6 zstd-1 stream / JSON + gzip-6 | {:.2} ({} / {} bytes; uncompressed {} vs JSON {}) | ≤ 0.8 |",
        wire.0 as f64 / gzip_bytes as f64,
        wire.0,
        gzip_bytes,
        wire.1,
        json_bytes
    );
    println!(
        "| resident memory streaming {rss_rows} rows (relay and client, one process) | peak {:.1} MB, {:+.1} MB over the {:.1} MB before | ≤ 64 MB |",
        peak_kib as f64 / 1024.0,
        (peak_kib as f64 - baseline_kib as f64) / 1024.0,
        baseline_kib as f64 / 1024.0
    );

    // B5 and B7 in headless Chromium, through the app's own wasm.
    client_rt.block_on(async {
        let browser = Browser::start(&relay).await;
        browser.client.goto(&relay.url).await.unwrap();
        browser.wait_for_js("the app's wasm", "return window.wasmBindings ? true : null;").await;
        for (with_text, label) in [(false, "4 numeric columns"), (true, "6 columns, text and timestamp included")] {
            let script = format!(
                "const b = window.wasmBindings;
                 const bytes = b.bench_result_stream({rows}, {with_text});
                 const text = b.bench_metabase_json({rows}, {with_text});
                 const time = f => {{ const t = performance.now(); f(); return performance.now() - t; }};
                 const decode = [], parse = [];
                 for (let i = 0; i < 5; i++) {{ decode.push(time(() => b.bench_decode(bytes))); parse.push(time(() => JSON.parse(text))); }}
                 const median = v => v.sort((a, b) => a - b)[2];
                 return [median(decode), median(parse)];"
            );
            let times = browser.client.execute(&script, vec![]).await.unwrap();
            let (decode_ms, parse_ms) = (times[0].as_f64().unwrap(), times[1].as_f64().unwrap());
            println!(
                "| B5 JSON.parse (Metabase rows) / wasm decode to typed columns, {label} | {:.1}× ({parse_ms:.1} ms / {decode_ms:.1} ms) | ≥ {} |",
                parse_ms / decode_ms,
                if with_text { "2×" } else { "20×" }
            );
        }
        let mut handoff = Vec::new();
        for _ in 0..3 {
            let times = browser.client.execute("return window.wasmBindings.bench_chart_handoff(1000000);", vec![]).await.unwrap();
            handoff.push((times[0].as_f64().unwrap(), times[1].as_f64().unwrap()));
        }
        let charming = median(handoff.iter().map(|t| t.0).collect());
        let typed = median(handoff.iter().map(|t| t.1).collect());
        println!("| B7 a million points to ECharts: charming's path / typed array | {:.1}× ({charming:.1} ms / {typed:.1} ms) | ≥ 10× |", charming / typed);
        browser.close().await;
    });

    println!("\n| format, same {rows} rows | bytes | zstd-1 bytes | encode (ms, native) | decode (ms, native) |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, bytes, compressed, encode, decode) in &formats {
        println!("| {name} | {bytes} | {compressed} | {encode:.1} | {decode:.1} |");
    }
    println!("| Metabase-style JSON | {json_bytes} | (gzip -6: {gzip_bytes}) | | |\n");
    drop(relay);
    drop(relay_rt);
}
