//! The relay's HTTP API driven through the router, without a socket, against the real demo
//! database.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::{Method, StatusCode};
use vizkraft_domain::api::query::{Cell, ResultEnd, ResultFrame, Truncation};
use vizkraft_domain::api::sources::{ListSourcesResponse, SourceSchemaResponse};
use vizkraft_domain::semantic::CompileOutcome;
use vizkraft_domain::{ApiError, ErrorCode};
use vizkraft_relay::config::QueryLimits;

use support::{demo_db, rows_of, Auth, TestRelay};

async fn direct_scalar(sql: &str) -> i64 {
    let pool = vizkraft_relay::sources::open_read_only(demo_db()).await.unwrap();
    sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap()
}

#[tokio::test]
async fn health_answers_ok() {
    let relay = TestRelay::default().await;
    let reply = relay.call(Method::GET, "/healthz", None, &Auth::None).await;
    assert_eq!((reply.status, reply.text().as_str()), (StatusCode::OK, "ok"));
}

#[tokio::test]
async fn the_demo_source_is_listed_with_example_questions() {
    let relay = TestRelay::default().await;
    let (status, list): (_, ListSourcesResponse) = relay.get("/api/v1/sources").await;
    assert_eq!(status, StatusCode::OK);
    let demo = list.sources.iter().find(|s| s.id.0 == "demo").unwrap();
    assert!(demo.example_questions.iter().any(|q| q == "revenue by month"));
}

#[tokio::test]
async fn the_schema_comes_from_the_catalog_with_keys_and_estimates() {
    let relay = TestRelay::default().await;
    let (status, schema): (_, SourceSchemaResponse) = relay.get("/api/v1/sources/demo/schema").await;
    assert_eq!(status, StatusCode::OK);
    let lines = schema.schema.table("order_lines").unwrap();
    assert_eq!(lines.primary_key, ["id"]);
    let referenced: Vec<&str> = lines.foreign_keys.iter().map(|fk| fk.referenced_table.as_str()).collect();
    assert!(referenced.contains(&"orders") && referenced.contains(&"products"), "{referenced:?}");
    assert!(lines.row_estimate.unwrap() > 900_000);
}

#[tokio::test]
async fn unknown_sources_and_routes_answer_404_with_a_code() {
    let relay = TestRelay::default().await;
    let (status, err): (_, ApiError) = relay.get("/api/v1/sources/nope/schema").await;
    assert_eq!((status, err.code), (StatusCode::NOT_FOUND, ErrorCode::NotFound));
    let (status, err): (_, ApiError) = relay.get("/api/v1/no-such-route").await;
    assert_eq!((status, err.code), (StatusCode::NOT_FOUND, ErrorCode::NotFound));
}

#[tokio::test]
async fn malformed_bodies_get_a_clear_json_error() {
    let relay = TestRelay::default().await;
    for body in [serde_json::json!({"source_id": "demo"}), serde_json::json!("not an object")] {
        let (status, bytes) = relay.post("/api/v1/query", body).await;
        let err: ApiError = serde_json::from_slice(&bytes).unwrap();
        assert_eq!((status, err.code), (StatusCode::BAD_REQUEST, ErrorCode::BadRequest));
    }
    let (status, bytes) = relay.post("/api/v1/ask", serde_json::json!({"source_id": "demo", "question": "   "})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{}", String::from_utf8_lossy(&bytes));
}

#[tokio::test]
async fn a_query_streams_columns_rows_and_an_end_frame() {
    let relay = TestRelay::default().await;
    let frames = relay.query("SELECT id, name, unit_price FROM products ORDER BY id").await.unwrap();
    let ResultFrame::Columns { columns } = &frames[0] else { panic!("first frame must be columns: {frames:?}") };
    assert_eq!(columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["id", "name", "unit_price"]);
    let rows = rows_of(&frames);
    assert_eq!(rows.len() as i64, direct_scalar("SELECT count(*) FROM products").await);
    assert_eq!(rows[0][0], Cell::Int(1));
    let ResultFrame::End(ResultEnd { row_count, truncated, .. }) = frames.last().unwrap() else {
        panic!("last frame must be end")
    };
    assert_eq!((*row_count as usize, *truncated), (rows.len(), None));
}

#[tokio::test]
async fn large_results_arrive_in_several_batches_with_every_row() {
    let relay = TestRelay::default().await;
    let frames = relay.query("SELECT id, total_amount FROM orders").await.unwrap();
    let batches = frames.iter().filter(|f| matches!(f, ResultFrame::Batch { .. })).count();
    assert!(batches > 10, "only {batches} batches");
    assert_eq!(rows_of(&frames).len() as i64, direct_scalar("SELECT count(*) FROM orders").await);
}

#[tokio::test]
async fn the_row_cap_truncates_and_says_so() {
    let relay = TestRelay::start(QueryLimits { row_cap: 100, statement_timeout_ms: 30_000, byte_cap: 1 << 30 }).await;
    let frames = relay.query("SELECT id FROM order_lines").await.unwrap();
    assert_eq!(rows_of(&frames).len(), 100);
    assert!(matches!(
        frames.last(),
        Some(ResultFrame::End(ResultEnd { truncated: Some(Truncation::RowCap), row_cap: 100, .. }))
    ));
}

#[tokio::test]
async fn the_byte_cap_truncates_and_says_so() {
    let relay =
        TestRelay::start(QueryLimits { row_cap: 1_000_000, statement_timeout_ms: 30_000, byte_cap: 100_000 }).await;
    let frames = relay.query("SELECT id, total_amount FROM orders").await.unwrap();
    let rows = rows_of(&frames).len();
    // Two 8-byte values a row: the cap stops the result near 6,250 rows, far short of all.
    assert!((6_000..=6_400).contains(&rows), "{rows} rows");
    assert!(matches!(frames.last(), Some(ResultFrame::End(ResultEnd { truncated: Some(Truncation::ByteCap), .. }))));
}

/// Browsers ask for zstd; the stream then comes compressed, frame by frame, and decompresses
/// to the very bytes an uncompressed request gets (the elapsed time aside).
#[tokio::test]
async fn results_are_zstd_compressed_when_the_client_accepts_it() {
    let relay = TestRelay::default().await;
    let sql = "SELECT id, customer_id, status, order_date, total_amount FROM orders ORDER BY id";
    let body = serde_json::json!({"source_id": "demo", "sql": sql});
    let plain = relay.call(Method::POST, "/api/v1/query", Some(body.clone()), &relay.owner).await;
    assert_eq!(plain.headers.get("content-encoding"), None);
    assert_eq!(plain.headers["content-type"], "application/vnd.vizkraft.result.v1");

    let mut request = TestRelay::build(Method::POST, "/api/v1/query", Some(body), &relay.owner);
    request.headers_mut().insert("accept-encoding", "gzip, deflate, br, zstd".parse().unwrap());
    let compressed = relay.send(request).await;
    assert_eq!(compressed.headers["content-encoding"], "zstd");
    assert_eq!(compressed.headers["vary"], "accept-encoding");
    let decompressed = zstd::decode_all(compressed.body.as_slice()).unwrap();
    assert!(
        compressed.body.len() * 2 < decompressed.len(),
        "{} bytes compressed from {}",
        compressed.body.len(),
        decompressed.len()
    );
    let rows = |bytes: &[u8]| rows_of(&support::frames(bytes));
    assert_eq!(rows(&decompressed), rows(&plain.body));

    // `q=0` refuses a coding.
    let mut request = TestRelay::build(
        Method::POST,
        "/api/v1/query",
        Some(serde_json::json!({"source_id": "demo", "sql": "SELECT 1"})),
        &relay.owner,
    );
    request.headers_mut().insert("accept-encoding", "zstd;q=0, gzip".parse().unwrap());
    assert_eq!(relay.send(request).await.headers.get("content-encoding"), None);
}

#[tokio::test]
async fn a_query_past_the_statement_timeout_is_stopped_with_a_clear_error() {
    let relay =
        TestRelay::start(QueryLimits { row_cap: 1_000_000, statement_timeout_ms: 200, byte_cap: 1 << 30 }).await;
    let frames = relay
        .query("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n")
        .await
        .unwrap();
    let Some(ResultFrame::Error { error }) = frames.last() else { panic!("expected an error frame: {frames:?}") };
    assert_eq!(error.code, ErrorCode::QueryTimeout);
    // The relay is still healthy and the next query runs.
    assert!(relay.query("SELECT 1").await.is_ok());
}

#[tokio::test]
async fn database_errors_reach_the_user_as_query_failed() {
    let relay = TestRelay::default().await;
    let frames = relay.query("SELECT no_such_column FROM orders").await.unwrap();
    let Some(ResultFrame::Error { error }) = frames.last() else { panic!("expected an error frame: {frames:?}") };
    assert_eq!(error.code, ErrorCode::QueryFailed);
    assert!(error.message.contains("no_such_column"), "{}", error.message);
}

#[tokio::test]
async fn writes_are_refused_and_change_nothing() {
    let relay = TestRelay::default().await;
    let before = direct_scalar("SELECT count(*) FROM orders").await;
    for sql in [
        "DELETE FROM orders",
        "SELECT 1; DELETE FROM orders",
        "UPDATE orders SET total_amount = 0",
        "DROP TABLE orders",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "PRAGMA query_only = OFF",
        "WITH x AS (SELECT 1) DELETE FROM orders",
    ] {
        let (status, err) = relay.query(sql).await.map(|_| ()).unwrap_err();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{sql}");
        assert!(matches!(err.code, ErrorCode::ReadOnlyViolation | ErrorCode::SqlSyntax), "{sql}: {err:?}");
    }
    assert_eq!(direct_scalar("SELECT count(*) FROM orders").await, before);
}

#[tokio::test]
async fn the_five_demo_questions_compile_to_sql_that_runs() {
    let relay = TestRelay::default().await;
    for question in [
        "revenue by month",
        "top 10 customers by revenue",
        "number of orders per country",
        "average order value by year",
        "how many customers",
    ] {
        let CompileOutcome::Answer(answer) = relay.ask(question).await else { panic!("{question} was not answered") };
        let frames = relay.query(&answer.sql).await.unwrap_or_else(|e| panic!("{question}: {e:?}"));
        assert!(matches!(frames.last(), Some(ResultFrame::End(ResultEnd { .. }))), "{question}: {frames:?}");
        assert!(!rows_of(&frames).is_empty(), "{question} returned no rows");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let relay = TestRelay::default().await;
    let (status, doc): (_, serde_json::Value) = relay.get("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in ["/api/v1/sources", "/api/v1/sources/{id}/schema", "/api/v1/ask", "/api/v1/query"] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}

#[tokio::test]
async fn api_responses_are_never_cached() {
    let relay = TestRelay::default().await;
    let reply = relay.call(Method::GET, "/api/v1/sources", None, &relay.owner).await;
    assert_eq!(reply.headers["cache-control"], "no-store");
}

#[tokio::test]
async fn a_client_that_goes_away_stops_its_query_and_frees_the_connection() {
    // Every connection of the source's pool busy with a query that would run for a minute…
    let relay =
        TestRelay::start(QueryLimits { row_cap: 1_000_000, statement_timeout_ms: 60_000, byte_cap: 1 << 30 }).await;
    let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
    let mut abandoned = Vec::new();
    for _ in 0..vizkraft_relay::sources::MAX_CONNECTIONS_PER_SOURCE {
        let body = serde_json::json!({"source_id": "demo", "sql": endless});
        let request = TestRelay::build(Method::POST, "/api/v1/query", Some(body), &relay.owner);
        let response = tower::ServiceExt::oneshot(relay.app.clone(), request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        abandoned.push(response);
    }
    // …then every client hangs up. If the queries kept running, the next query would wait for a
    // connection until the pool's acquire timeout and fail.
    drop(abandoned);
    let frames = relay.query("SELECT count(*) FROM regions").await.unwrap();
    assert_eq!(rows_of(&frames), vec![vec![Cell::Int(4)]]);
}
