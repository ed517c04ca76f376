//! PostgreSQL and MariaDB sources through the relay's API, against the real servers that
//! `scripts/test-servers` starts: adding a source over verified TLS, precise test-connection
//! failures, the writable-login warning, write-only passwords, edits that would redirect a
//! stored password, schema refresh, and read-only enforced by the server as well as the guard.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::{ConnectOptions, Connection, Executor};
use support::servers::{servers, timed, Login, Servers};
use support::{rows_of, TestRelay};
use vizkraft_domain::api::query::{Cell, ResultEnd, ResultFrame};
use vizkraft_domain::api::sources::{
    ConnectionTestResponse, ListSourceDetailsResponse, SchemaRefreshResponse, SourceDetails,
};
use vizkraft_domain::ErrorCode;

fn ca_pem(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn postgres(s: &Servers, login: &Login, database: &str) -> Value {
    json!({
        "name": format!("PostgreSQL {database}"),
        "connection": {"engine": "postgres", "host": "localhost", "port": s.pg_port, "database": database,
                       "user": login.user, "ca_certificate": ca_pem(&s.ca)},
        "password": login.password,
    })
}

fn mariadb(s: &Servers, login: &Login) -> Value {
    json!({
        "name": "MariaDB test",
        "connection": {"engine": "mysql", "host": "localhost", "port": s.mariadb_port, "database": "vizkraft_test",
                       "user": login.user, "ca_certificate": ca_pem(&s.ca)},
        "password": login.password,
    })
}

async fn test_connection(relay: &TestRelay, request: &Value) -> ConnectionTestResponse {
    let reply =
        timed("test connection", relay.call(Method::POST, "/api/v1/sources/test", Some(request.clone()), &relay.owner))
            .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

/// The failure kind's wire name, or "ok".
async fn outcome(relay: &TestRelay, request: &Value) -> String {
    match test_connection(relay, request).await.failure {
        Some(failure) => serde_json::to_value(failure.kind).unwrap().as_str().unwrap().to_owned(),
        None => "ok".into(),
    }
}

async fn add(relay: &TestRelay, request: &Value) -> SourceDetails {
    let reply =
        timed("add source", relay.call(Method::POST, "/api/v1/sources", Some(request.clone()), &relay.owner)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json()
}

fn count(frames: &[ResultFrame]) -> i64 {
    match rows_of(frames).first().and_then(|row| row.first()) {
        Some(Cell::Int(n)) => *n,
        other => panic!("not a count: {other:?}"),
    }
}

#[tokio::test]
async fn a_postgres_source_over_verified_tls_answers_questions() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    let request = postgres(&s, &s.pg_reader, "chinook");

    let tested = test_connection(&relay, &request).await;
    assert_eq!(tested.failure, None);
    assert_eq!(tested.tls_version.as_deref(), Some("TLSv1.3"));
    assert!(tested.writable_privileges.is_empty(), "vk_reader reported writable: {:?}", tested.writable_privileges);
    assert!(tested.table_count >= 11, "{tested:?}");

    let source = add(&relay, &request).await;
    assert!(source.has_password);
    let id = source.source.id.0.clone();

    // The schema came from the catalog; a question compiles against it and runs over TLS.
    let schema = relay.call(Method::GET, &format!("/api/v1/sources/{id}/schema"), None, &relay.owner).await;
    assert!(schema.text().contains("\"Track\""), "{}", schema.text());
    let frames = relay.query_source(&id, r#"SELECT count(*) FROM "Track""#).await.unwrap();
    let mut direct = timed("connect", s.pg_options(s.pg_port, "chinook", &s.ca).connect()).await.unwrap();
    let expected: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "Track""#).fetch_one(&mut direct).await.unwrap();
    assert_eq!(count(&frames), expected);

    let ask = relay
        .call(
            Method::POST,
            "/api/v1/ask/run",
            Some(json!({"source_id": id, "question": "number of tracks by genre"})),
            &relay.owner,
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK, "{}", ask.text());
    let rows = rows_of(&support::frames(&ask.body));
    let total: i64 = rows.iter().map(|r| if let Some(Cell::Int(n)) = r.last() { *n } else { 0 }).sum();
    assert_eq!(total, expected, "tracks by genre add up to all tracks");

    // Numeric, timestamp and text values arrive typed.
    let frames = relay
        .query_source(
            &id,
            r#"SELECT "Total", "InvoiceDate", "BillingCountry" FROM "Invoice" ORDER BY "InvoiceId" LIMIT 1"#,
        )
        .await
        .unwrap();
    let row = &rows_of(&frames)[0];
    assert!(matches!(row[0], Cell::Float(t) if t > 0.0), "{row:?}");
    assert!(matches!(&row[1], Cell::Timestamp(_)) && row[1].to_string().starts_with("20"), "{row:?}");
    assert!(matches!(&row[2], Cell::Text(_)), "{row:?}");

    // Arrays read as PostgreSQL writes them; a binary form with no text shape is named, not dumped.
    let frames = relay.query_source(&id, "SELECT ARRAY['a', 'b'], ARRAY[1, 2], interval '1 day'").await.unwrap();
    assert_eq!(
        rows_of(&frames)[0],
        [Cell::Text("{a,b}".into()), Cell::Text("{1,2}".into()), Cell::Text("(interval)".into())]
    );
    direct.close().await.unwrap();
}

/// The relay's own TLS (the bridge sqlx talks to) is what reaches the servers: each server sees
/// its session from the relay encrypted with TLS 1.3.
#[tokio::test]
async fn queries_reach_both_servers_over_tls_1_3() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    let pg = add(&relay, &postgres(&s, &s.pg_reader, "vizkraft_test")).await.source.id.0;
    let my = add(&relay, &mariadb(&s, &s.mariadb_reader)).await.source.id.0;
    for (id, sql) in [
        (&pg, "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
        (&my, "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'SSL_VERSION'"),
    ] {
        let frames = relay.query_source(id, sql).await.unwrap();
        assert_eq!(rows_of(&frames), [vec![Cell::Text("TLSv1.3".into())]], "{id}");
    }
}

/// A pooled session carries nothing of the previous query to the next: not its SQL text (sqlx
/// caches prepared statements, which PostgreSQL lists), not MySQL's FOUND_ROWS().
#[tokio::test]
async fn the_next_query_on_a_pooled_session_sees_nothing_of_the_last() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    let pg = add(&relay, &postgres(&s, &s.pg_reader, "vizkraft_test")).await.source.id.0;
    let my = add(&relay, &mariadb(&s, &s.mariadb_reader)).await.source.id.0;
    for _ in 0..3 {
        relay.query_source(&pg, "SELECT 'marker_previous_query' AS secret").await.unwrap();
        let frames = relay.query_source(&pg, "SELECT statement FROM pg_prepared_statements").await.unwrap();
        let seen = format!("{:?}", rows_of(&frames));
        assert!(!seen.contains("marker_previous_query"), "an earlier query's text: {seen}");
    }
    relay.query_source(&my, "SELECT id FROM customers").await.unwrap();
    let frames = relay.query_source(&my, "SELECT FOUND_ROWS()").await.unwrap();
    assert_eq!(rows_of(&frames), [vec![Cell::Int(1)]], "FOUND_ROWS() still counts the previous result");
}

#[tokio::test]
async fn test_connection_says_precisely_what_failed() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|args| args.sources.deny = vec!["10.66.0.0/16".parse().unwrap()]).await;
    let good = postgres(&s, &s.pg_reader, "vizkraft_test");
    assert_eq!(outcome(&relay, &good).await, "ok");

    let mut r = good.clone();
    r["connection"]["ca_certificate"] = json!(ca_pem(&s.other_ca));
    assert_eq!(outcome(&relay, &r).await, "certificate_untrusted", "a CA that did not sign the server");

    let mut r = good.clone();
    r["connection"]["port"] = json!(s.pg_wrongname_port);
    assert_eq!(outcome(&relay, &r).await, "name_mismatch", "a certificate for wrong.example");

    // The expected server name is what the certificate is checked against: the wrong-name
    // server passes when that name is the one expected, and an address can be checked by name.
    let mut r = good.clone();
    r["connection"]["port"] = json!(s.pg_wrongname_port);
    r["connection"]["server_name"] = json!("wrong.example");
    assert_eq!(outcome(&relay, &r).await, "ok", "the wrong-name server, expected under its own name");
    let mut r = good.clone();
    r["connection"]["host"] = json!("127.0.0.1");
    r["connection"]["server_name"] = json!("localhost");
    assert_eq!(outcome(&relay, &r).await, "ok");
    r["connection"]["server_name"] = json!("db.example.com");
    assert_eq!(outcome(&relay, &r).await, "name_mismatch");

    let mut r = good.clone();
    r["password"] = json!("not-the-password");
    assert_eq!(outcome(&relay, &r).await, "authentication");

    let mut r = good.clone();
    r["connection"]["database"] = json!("no_such_database");
    assert_eq!(outcome(&relay, &r).await, "database_missing");

    let mut r = good.clone();
    r["connection"]["port"] = json!(free_port());
    assert_eq!(outcome(&relay, &r).await, "unreachable");

    let mut r = good.clone();
    r["connection"]["host"] = json!("no-such-host.invalid");
    assert_eq!(outcome(&relay, &r).await, "unreachable");

    for host in ["169.254.169.254", "0.0.0.0", "[fe80::1]", "10.66.1.1"] {
        let mut r = good.clone();
        r["connection"]["host"] = json!(host);
        assert_eq!(outcome(&relay, &r).await, "forbidden_address", "{host}");
    }

    let mut r = good.clone();
    r["connection"]["host"] = json!("db.example.com");
    r["connection"]["unencrypted"] = json!(true);
    assert_eq!(outcome(&relay, &r).await, "forbidden_address", "plain TCP to a non-loopback host");

    let mut r = good.clone();
    r["connection"]["ca_certificate"] = json!("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
    assert_eq!(outcome(&relay, &r).await, "invalid_settings");

    // MariaDB gets the same verdicts.
    let good = mariadb(&s, &s.mariadb_reader);
    assert_eq!(outcome(&relay, &good).await, "ok");
    let mut r = good.clone();
    r["connection"]["ca_certificate"] = json!(ca_pem(&s.other_ca));
    assert_eq!(outcome(&relay, &r).await, "certificate_untrusted");
    let mut r = good.clone();
    r["password"] = json!("not-the-password");
    assert_eq!(outcome(&relay, &r).await, "authentication");
    let mut r = good.clone();
    r["connection"]["host"] = json!("127.0.0.1");
    assert_eq!(outcome(&relay, &r).await, "ok", "the certificate names 127.0.0.1 too");

    // A server that is not what the engine says.
    let mut r = postgres(&s, &s.pg_reader, "vizkraft_test");
    r["connection"]["port"] = json!(s.mariadb_port);
    assert_ne!(outcome(&relay, &r).await, "ok");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn a_login_that_can_write_is_kept_only_when_the_admin_accepts_it() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    for request in [postgres(&s, &s.pg_writer, "vizkraft_test"), mariadb(&s, &s.mariadb_writer)] {
        let tested = test_connection(&relay, &request).await;
        assert_eq!(tested.failure, None);
        let privileges = tested.writable_privileges.join("; ");
        assert!(privileges.contains("INSERT") && privileges.contains("DELETE"), "{privileges}");

        let refused = relay.call(Method::POST, "/api/v1/sources", Some(request.clone()), &relay.owner).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        assert_eq!(refused.error().code, ErrorCode::ConnectionFailed);
        assert!(refused.error().message.contains("can change data"), "{}", refused.error().message);

        let mut accepted = request.clone();
        accepted["accept_writable_login"] = json!(true);
        let source = add(&relay, &accepted).await;
        assert!(!source.writable_privileges.is_empty());
    }
    // Logins that reach past a read-only transaction are never accepted.
    for request in [postgres(&s, &s.pg_superuser, "vizkraft_test"), mariadb(&s, &s.mariadb_root)] {
        let mut accepted = request.clone();
        accepted["accept_writable_login"] = json!(true);
        assert_eq!(outcome(&relay, &accepted).await, "privileged_login");
        let refused = relay.call(Method::POST, "/api/v1/sources", Some(accepted), &relay.owner).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
    }
    // The readers are read-only on both engines.
    for request in [postgres(&s, &s.pg_reader, "vizkraft_test"), mariadb(&s, &s.mariadb_reader)] {
        assert_eq!(test_connection(&relay, &request).await.writable_privileges, Vec::<String>::new());
    }
}

#[tokio::test]
async fn passwords_are_write_only_and_follow_only_their_server() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    let request = mariadb(&s, &s.mariadb_reader);
    let source = add(&relay, &request).await;
    let id = source.source.id.0;

    let list = relay.call(Method::GET, "/api/v1/sources/settings", None, &relay.owner).await;
    assert!(!list.text().contains(&s.mariadb_reader.password), "the password came back");
    let list: ListSourceDetailsResponse = list.json();
    assert_eq!(list.sources.len(), 1);
    assert!(list.sources[0].has_password);

    // Nowhere in the relay's files in clear either.
    let data_dir = relay.data_dir().to_owned();
    for entry in std::fs::read_dir(&data_dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_file() {
            let bytes = std::fs::read(entry.path()).unwrap();
            let needle = s.mariadb_reader.password.as_bytes();
            assert!(!bytes.windows(needle.len()).any(|w| w == needle), "password in clear in {:?}", entry.path());
        }
    }

    // A rename keeps the stored password, which still connects.
    let mut renamed = request.clone();
    renamed["name"] = json!("Renamed");
    renamed.as_object_mut().unwrap().remove("password");
    let reply = relay.call(Method::PUT, &format!("/api/v1/sources/{id}"), Some(renamed.clone()), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(count(&relay.query_source(&id, "SELECT count(*) FROM customers").await.unwrap()), 5);

    // Pointing the source elsewhere without typing the password again is refused: the stored
    // password never travels to a new server.
    let mut moved = renamed.clone();
    moved["connection"]["host"] = json!("127.0.0.1");
    for path in [format!("/api/v1/sources/{id}"), format!("/api/v1/sources/{id}/test")] {
        let method = if path.ends_with("/test") { Method::POST } else { Method::PUT };
        let reply = relay.call(method, &path, Some(moved.clone()), &relay.owner).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.text());
        assert!(reply.error().message.contains("password again"), "{}", reply.error().message);
    }

    // Removing the source removes its sealed password.
    let reply = relay.call(Method::DELETE, &format!("/api/v1/sources/{id}"), None, &relay.owner).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM source_credentials").fetch_one(&relay.meta.0).await.unwrap();
    assert_eq!(left, 0);
    assert_eq!(relay.query_source(&id, "SELECT 1").await.unwrap_err().0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_refresh_reports_what_changed_in_the_catalog() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    let source = add(&relay, &postgres(&s, &s.pg_reader, "vizkraft_test")).await;
    let id = source.source.id.0;

    let mut admin =
        timed("connect", s.pg_options_as(&s.pg_admin, s.pg_port, "vizkraft_test", &s.ca).connect()).await.unwrap();
    admin
        .execute("DROP TABLE IF EXISTS refresh_probe; CREATE TABLE refresh_probe (id int PRIMARY KEY, label text)")
        .await
        .unwrap();
    let reply = relay.call(Method::POST, &format!("/api/v1/sources/{id}/refresh"), None, &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let refreshed: SchemaRefreshResponse = reply.json();
    assert_eq!(refreshed.changes.added_tables, ["public.refresh_probe"]);

    admin.execute("ALTER TABLE refresh_probe ADD COLUMN weight numeric").await.unwrap();
    let refreshed: SchemaRefreshResponse =
        relay.call(Method::POST, &format!("/api/v1/sources/{id}/refresh"), None, &relay.owner).await.json();
    assert_eq!(refreshed.changes.changed_tables[0].added_columns, ["weight"]);
    let schema = relay.call(Method::GET, &format!("/api/v1/sources/{id}/schema"), None, &relay.owner).await;
    assert!(schema.text().contains("\"weight\""), "the schema view shows the change");

    admin.execute("DROP TABLE refresh_probe").await.unwrap();
    let refreshed: SchemaRefreshResponse =
        relay.call(Method::POST, &format!("/api/v1/sources/{id}/refresh"), None, &relay.owner).await.json();
    assert_eq!(refreshed.changes.removed_tables, ["public.refresh_probe"]);
    admin.close().await.unwrap();
}

/// A function the guard does not know, that writes: only the server's read-only transaction
/// stands between it and the data.
#[tokio::test]
async fn the_server_refuses_a_write_the_guard_cannot_see() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;

    let mut admin =
        timed("connect", s.pg_options_as(&s.pg_admin, s.pg_port, "vizkraft_test", &s.ca).connect()).await.unwrap();
    admin
        .execute(
            "CREATE OR REPLACE FUNCTION sneaky_write() RETURNS int LANGUAGE sql AS
               $$ UPDATE customers SET name = 'pwned' WHERE id = 1 RETURNING 1 $$;
             GRANT EXECUTE ON FUNCTION sneaky_write() TO vk_writer",
        )
        .await
        .unwrap();
    let mut writer = postgres(&s, &s.pg_writer, "vizkraft_test");
    writer["accept_writable_login"] = json!(true);
    let id = add(&relay, &writer).await.source.id.0;
    let frames = relay.query_source(&id, "SELECT sneaky_write()").await.unwrap();
    let Some(ResultFrame::Error { error }) = frames.last() else { panic!("{frames:?}") };
    assert_eq!(error.code, ErrorCode::ReadOnlyViolation, "{}", error.message);
    let name: String =
        sqlx::query_scalar("SELECT name FROM customers WHERE id = 1").fetch_one(&mut admin).await.unwrap();
    assert_eq!(name, "Ada Lovelace");
    admin.execute("DROP FUNCTION sneaky_write()").await.unwrap();
    admin.close().await.unwrap();

    let mut root = timed("connect", s.mariadb_options_as(&s.mariadb_root, &s.ca).connect()).await.unwrap();
    root.execute("DROP FUNCTION IF EXISTS sneaky_write").await.unwrap();
    root.execute(
        "CREATE FUNCTION sneaky_write() RETURNS int MODIFIES SQL DATA SQL SECURITY INVOKER
         BEGIN UPDATE customers SET name = 'pwned' WHERE id = 1; RETURN 1; END",
    )
    .await
    .unwrap();
    root.execute("GRANT EXECUTE ON FUNCTION vizkraft_test.sneaky_write TO vk_writer@'%'").await.unwrap();
    let mut writer = mariadb(&s, &s.mariadb_writer);
    writer["accept_writable_login"] = json!(true);
    let id = add(&relay, &writer).await.source.id.0;
    let frames = relay.query_source(&id, "SELECT sneaky_write()").await.unwrap();
    let Some(ResultFrame::Error { error }) = frames.last() else { panic!("{frames:?}") };
    assert_eq!(error.code, ErrorCode::ReadOnlyViolation, "{}", error.message);
    let name: String =
        sqlx::query_scalar("SELECT name FROM customers WHERE id = 1").fetch_one(&mut root).await.unwrap();
    assert_eq!(name, "Ada Lovelace");
    root.execute("DROP FUNCTION sneaky_write").await.unwrap();
    root.close().await.unwrap();
}

#[tokio::test]
async fn timeouts_caps_and_disconnects_stop_the_server_query() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|args| {
        args.limits.statement_timeout_ms = 500;
        args.limits.row_cap = 100;
    })
    .await;
    let pg = add(&relay, &postgres(&s, &s.pg_reader, "vizkraft_test")).await.source.id.0;
    let my = add(&relay, &mariadb(&s, &s.mariadb_reader)).await.source.id.0;

    let slow_pg = "SELECT count(*) FROM generate_series(1, 1000000000) a";
    let slow_my =
        "SELECT count(*) FROM information_schema.columns a, information_schema.columns b, information_schema.columns c";
    for (id, sql) in [(&pg, slow_pg), (&my, slow_my)] {
        let frames = timed("slow query", relay.query_source(id, sql)).await.unwrap();
        let Some(ResultFrame::Error { error }) = frames.last() else { panic!("{id}: {frames:?}") };
        assert_eq!(error.code, ErrorCode::QueryTimeout, "{id}: {}", error.message);
        // The source is healthy afterwards.
        assert_eq!(count(&relay.query_source(id, "SELECT count(*) FROM customers").await.unwrap()), 5, "{id}");
    }

    let frames = relay.query_source(&pg, "SELECT g FROM generate_series(1, 100000) g").await.unwrap();
    assert_eq!(rows_of(&frames).len(), 100);
    assert!(
        matches!(frames.last(), Some(ResultFrame::End(ResultEnd { truncated: Some(_), .. }))),
        "{:?}",
        frames.last()
    );
    assert_eq!(count(&relay.query_source(&pg, "SELECT count(*) FROM customers").await.unwrap()), 5);
}

/// A client that goes away mid-query leaves nothing running on the server.
#[tokio::test]
async fn a_client_that_disconnects_cancels_the_server_query() {
    use tower::ServiceExt;
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|args| args.limits.statement_timeout_ms = 120_000).await;
    let pg = add(&relay, &postgres(&s, &s.pg_reader, "vizkraft_test")).await.source.id.0;
    let my = add(&relay, &mariadb(&s, &s.mariadb_reader)).await.source.id.0;
    let mut admin =
        timed("connect", s.pg_options_as(&s.pg_superuser, s.pg_port, "vizkraft_test", &s.ca).connect()).await.unwrap();
    let mut root = timed("connect", s.mariadb_options_as(&s.mariadb_root, &s.ca).connect()).await.unwrap();

    let cases = [
        (&pg, "SELECT count(*) FROM generate_series(1, 2000000000) AS marker_pg_cancel"),
        (&my, "SELECT count(*) AS marker_my_cancel FROM information_schema.columns a, information_schema.columns b, information_schema.columns c"),
    ];
    for (id, sql) in cases {
        let request =
            TestRelay::build(Method::POST, "/api/v1/query", Some(json!({"source_id": id, "sql": sql})), &relay.owner);
        let response = relay.app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let marker = if id == &pg { "marker_pg_cancel" } else { "marker_my_cancel" };
        let running = |n: i64| n > 0;
        // Running first …
        let mut seen = false;
        for _ in 0..50 {
            if running(active(&mut admin, &mut root, marker).await) {
                seen = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(seen, "{marker} never ran");
        // … then the client leaves, and the server stops within seconds.
        drop(response);
        let mut stopped = false;
        for _ in 0..100 {
            if !running(active(&mut admin, &mut root, marker).await) {
                stopped = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(stopped, "{marker} still runs after the client left");
    }
    admin.close().await.unwrap();
    root.close().await.unwrap();
}

/// Queries whose text contains `marker`, running on either server (other than this probe).
async fn active(admin: &mut sqlx::PgConnection, root: &mut sqlx::MySqlConnection, marker: &str) -> i64 {
    if marker.starts_with("marker_pg") {
        sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()",
        )
        .bind(marker)
        .fetch_one(admin)
        .await
        .unwrap()
    } else {
        sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.processlist WHERE info LIKE CONCAT('%', ?, '%') AND id <> CONNECTION_ID()",
        )
        .bind(marker)
        .fetch_one(root)
        .await
        .unwrap()
    }
}

/// Dashboard filters on both servers: a category, a number and a date range, each bound as a
/// parameter of the wrapped query, give the rows the same condition gives written by hand.
#[tokio::test]
async fn dashboard_filters_bind_on_both_servers() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    let pg = add(&relay, &postgres(&s, &s.pg_reader, "vizkraft_test")).await.source.id.0;
    let my = add(&relay, &mariadb(&s, &s.mariadb_reader)).await.source.id.0;
    for source in [&pg, &my] {
        let sql = "SELECT c.country, o.id, o.amount, o.ordered_at FROM orders o JOIN customers c ON c.id = o.customer_id ORDER BY o.id";
        let chart =
            json!({"name": "Orders", "source_id": source, "sql": sql, "chart": {"kind": "table", "x": null, "y": []}});
        let reply = relay.call(Method::POST, "/api/v1/charts", Some(chart), &relay.owner).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let chart_id = reply.json::<Value>()["id"].as_str().unwrap().to_owned();
        let definition = json!({
            "tabs": ["A"],
            "filters": [{"id": "country", "label": "Country", "kind": "category"},
                        {"id": "order", "label": "Order", "kind": "number"},
                        {"id": "when", "label": "When", "kind": "date_range"}],
            "tiles": [{"id": "orders", "tab": 0, "x": 0, "y": 0, "w": 12, "h": 4,
                       "content": {"type": "chart", "chart_id": chart_id, "bindings": [
                           {"filter_id": "country", "column": "country"},
                           {"filter_id": "order", "column": "id"},
                           {"filter_id": "when", "column": "ordered_at"}]}}]
        });
        let reply = relay
            .call(
                Method::POST,
                "/api/v1/dashboards",
                Some(json!({"name": "D", "definition": definition})),
                &relay.owner,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        let tile = format!("/api/v1/dashboards/{}/tiles/orders/run", reply.json::<Value>()["id"].as_str().unwrap());
        let ids = |filters: Value| {
            let relay = &relay;
            let tile = tile.clone();
            async move {
                let reply = relay.call(Method::POST, &tile, Some(json!({"filters": filters})), &relay.owner).await;
                assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
                let frames = support::frames(&reply.body);
                assert!(matches!(frames.last(), Some(ResultFrame::End(_))), "{source}: {:?}", frames.last());
                rows_of(&frames).iter().map(|r| r[1].to_string()).collect::<Vec<_>>()
            }
        };
        assert_eq!(ids(json!({"country": "United Kingdom"})).await, ["1", "2"], "{source}");
        assert_eq!(ids(json!({"order": 3})).await, ["3"], "{source}");
        assert_eq!(ids(json!({"when": {"from": "2024-03-01", "to": "2024-04-30"}})).await, ["2", "3", "4"], "{source}");
        assert_eq!(ids(json!({"country": "France", "when": {"from": "2024-05-01"}})).await, ["5"], "{source}");
        assert!(ids(json!({"country": "x' OR 'a'='a"})).await.is_empty(), "{source}");
    }
}
