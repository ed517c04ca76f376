//! Probe (temporary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::ConnectOptions;
use support::servers::{servers, timed, Login, Servers};
use support::TestRelay;
use vizkraft_domain::api::sources::SourceDetails;
use vizkraft_domain::semantic::Engine;

fn postgres(s: &Servers, login: &Login) -> Value {
    json!({"name": "pg", "accept_writable_login": true,
        "connection": {"engine": "postgres", "host": "localhost", "port": s.pg_port, "database": "vizkraft_test",
                       "user": login.user, "ca_certificate": std::fs::read_to_string(&s.ca).unwrap()},
        "password": login.password})
}
async fn add(relay: &TestRelay, request: &Value) -> String {
    let reply = relay.call(Method::POST, "/api/v1/sources", Some(request.clone()), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json::<SourceDetails>().source.id.0
}

#[tokio::test]
async fn probe() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    let pg = add(&relay, &postgres(&s, &s.pg_writer)).await;
    let su = add(&relay, &postgres(&s, &s.pg_superuser)).await;
    let mut admin = timed("connect", s.pg_options_as(&s.pg_superuser, s.pg_port, "vizkraft_test", &s.ca).connect()).await.unwrap();
    let mut victim = timed("connect", s.pg_options_as(&s.pg_writer, s.pg_port, "vizkraft_test", &s.ca).connect()).await.unwrap();
    let victim_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut victim).await.unwrap();
    let hide = |payload: &str| format!("SELECT $€$, $$ $€$ , {payload} AS x , $$ AS s -- $$");
    let cases = [
        (&pg, hide("pg_read_file('PG_VERSION')")),
        (&su, hide("pg_read_file('PG_VERSION')")),
        (&su, hide("pg_read_file('/etc/hostname')")),
        (&pg, hide("set_config('search_path', 'pg_catalog', false)")),
        (&pg, "SELECT current_setting('search_path')".to_owned()),
        (&pg, hide(&format!("pg_terminate_backend({victim_pid})"))),
        (&pg, hide("nextval('x')")),
        (&pg, hide("pg_notify('c', 'x')")),
        (&pg, hide("(SELECT count(*) FROM private_notes)")),
    ];
    for (id, sql) in &cases {
        let reply = relay.query_source(id, sql).await;
        let shown = match &reply { Ok(frames) => format!("{:?} {:?}", support::rows_of(frames), frames.last()), Err(e) => format!("{e:?}") };
        eprintln!("{sql}\n  -> {shown}");
    }
    let alive = sqlx::query("SELECT 1").execute(&mut victim).await;
    eprintln!("victim session {victim_pid} after: {alive:?}");
    let _ = &mut admin;
}
