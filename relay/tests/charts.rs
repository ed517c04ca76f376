//! Saved charts: definitions kept with their provenance, never results; the SQL is guarded when
//! saved and runs live when opened; viewers open and run, editors build, other organisations
//! see nothing.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vizkraft_domain::api::audit::{AuditEventKind, ListAuditResponse};
use vizkraft_domain::api::auth::Role;
use vizkraft_domain::api::charts::{ListSavedChartsResponse, SavedChart};
use vizkraft_domain::api::query::Cell;
use vizkraft_domain::ErrorCode;

use support::{rows_of, TestRelay, OWNER_EMAIL};

const SQL: &str = "SELECT country, count(*) AS customers FROM customers GROUP BY country ORDER BY country";

fn request(name: &str, sql: &str) -> Value {
    json!({"name": name, "source_id": "demo", "question": "customers by country", "sql": sql,
           "chart": {"kind": "bar", "x": 0, "y": [1]}})
}

async fn list(relay: &TestRelay) -> Vec<SavedChart> {
    let (status, list): (_, ListSavedChartsResponse) = relay.get("/api/v1/charts").await;
    assert_eq!(status, StatusCode::OK);
    list.charts
}

#[tokio::test]
async fn a_chart_is_saved_with_its_provenance_changed_duplicated_and_deleted() {
    let relay = TestRelay::default().await;
    let reply = relay.call(Method::POST, "/api/v1/charts", Some(request("  By country ", SQL)), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let saved: SavedChart = reply.json();
    assert_eq!(
        (saved.name.as_str(), saved.sql.as_str(), saved.question.as_str()),
        ("By country", SQL, "customers by country")
    );
    assert_eq!(saved.created_by, OWNER_EMAIL);
    assert!(saved.schema_indexed_at.is_some(), "the schema version it was built on");
    assert_eq!(list(&relay).await, vec![saved.clone()]);

    let path = format!("/api/v1/charts/{}", saved.id);
    let changed: SavedChart =
        relay.call(Method::PUT, &path, Some(request("Customers by country", SQL)), &relay.owner).await.json();
    assert_eq!((changed.id.as_str(), changed.name.as_str()), (saved.id.as_str(), "Customers by country"));
    assert_eq!(changed.created_at, saved.created_at);

    let copy: SavedChart = relay.call(Method::POST, &format!("{path}/duplicate"), None, &relay.owner).await.json();
    assert_ne!(copy.id, saved.id);
    assert_eq!((copy.name.as_str(), copy.sql.as_str()), ("Customers by country (copy)", SQL));
    assert_eq!(list(&relay).await.len(), 2);

    assert_eq!(relay.call(Method::DELETE, &path, None, &relay.owner).await.status, StatusCode::NO_CONTENT);
    assert_eq!(relay.call(Method::GET, &path, None, &relay.owner).await.status, StatusCode::NOT_FOUND);
    assert_eq!(list(&relay).await, vec![copy]);

    let (_, audit): (_, ListAuditResponse) = relay.get("/api/v1/audit").await;
    let kinds: Vec<AuditEventKind> = audit.events.iter().map(|e| e.kind).collect();
    for kind in [AuditEventKind::ChartSaved, AuditEventKind::ChartChanged, AuditEventKind::ChartDeleted] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
}

#[tokio::test]
async fn only_a_single_read_only_query_on_a_known_source_can_be_saved() {
    let relay = TestRelay::default().await;
    for (body, status, code) in [
        (request("Wipe", "DELETE FROM customers"), StatusCode::BAD_REQUEST, ErrorCode::ReadOnlyViolation),
        (request("Two", "SELECT 1; SELECT 2"), StatusCode::BAD_REQUEST, ErrorCode::ReadOnlyViolation),
        (request("", SQL), StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        (request("Empty", "  "), StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
        (
            json!({"name": "Elsewhere", "source_id": "nope", "sql": SQL, "chart": {"kind": "bar", "x": 0, "y": [1]}}),
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
        ),
        (json!({"name": "No chart", "source_id": "demo", "sql": SQL}), StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
    ] {
        let reply = relay.call(Method::POST, "/api/v1/charts", Some(body.clone()), &relay.owner).await;
        assert_eq!((reply.status, reply.error().code), (status, code), "{body}: {}", reply.text());
    }
    assert!(list(&relay).await.is_empty(), "nothing was saved");
}

#[tokio::test]
async fn opening_a_chart_runs_its_saved_sql_live_for_viewers_too() {
    let relay = TestRelay::default().await;
    let saved: SavedChart =
        relay.call(Method::POST, "/api/v1/charts", Some(request("By country", SQL)), &relay.owner).await.json();
    let expected = rows_of(&relay.query(SQL).await.unwrap());
    assert!(!expected.is_empty());

    let viewer = relay.member("viewer@example.com", Role::Viewer).await;
    let run = format!("/api/v1/charts/{}/run", saved.id);
    let reply = relay.call(Method::POST, &run, None, &viewer).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(rows_of(&support::frames(&reply.body)), expected);
    assert!(matches!(expected[0][1], Cell::Int(_)));

    // A viewer opens charts but does not build them.
    assert_eq!(relay.call(Method::GET, "/api/v1/charts", None, &viewer).await.status, StatusCode::OK);
    for (method, path, body) in [
        (Method::POST, "/api/v1/charts".to_owned(), Some(request("Mine", SQL))),
        (Method::PUT, format!("/api/v1/charts/{}", saved.id), Some(request("Mine", SQL))),
        (Method::DELETE, format!("/api/v1/charts/{}", saved.id), None),
        (Method::POST, format!("/api/v1/charts/{}/duplicate", saved.id), None),
    ] {
        let reply = relay.call(method.clone(), &path, body, &viewer).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {path}");
    }

    // Another organisation cannot see, run or touch it.
    let other = relay.member("other@example.com", Role::Viewer).await;
    let reply = relay.call(Method::POST, "/api/v1/organisations", Some(json!({"name": "Other Ltd"})), &other).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let theirs: ListSavedChartsResponse = relay.call(Method::GET, "/api/v1/charts", None, &other).await.json();
    assert!(theirs.charts.is_empty());
    for (method, path) in [
        (Method::GET, format!("/api/v1/charts/{}", saved.id)),
        (Method::POST, run.clone()),
        (Method::DELETE, format!("/api/v1/charts/{}", saved.id)),
    ] {
        let reply = relay.call(method.clone(), &path, None, &other).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}: {}", reply.text());
    }
    assert_eq!(list(&relay).await.len(), 1);
}
