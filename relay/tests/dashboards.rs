//! Dashboards and share links: definitions validated and kept, tiles run live with filters as
//! bound parameters, and share tokens that open exactly one dashboard's view and tile queries,
//! until they expire, are revoked or rotated, or the dashboard is deleted.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vizkraft_domain::api::audit::{AuditEventKind, ListAuditResponse};
use vizkraft_domain::api::auth::Role;
use vizkraft_domain::api::charts::SavedChart;
use vizkraft_domain::api::dashboards::{
    CreateShareLinkResponse, Dashboard, ListDashboardsResponse, ListShareLinksResponse, SharedDashboard, SharingPolicy,
};
use vizkraft_domain::api::query::Cell;
use vizkraft_relay::access::Access;

use support::{rows_of, Auth, TestRelay};

const BY_COUNTRY: &str = "SELECT country, count(*) AS customers FROM customers GROUP BY country ORDER BY country";
const BY_MONTH: &str =
    "SELECT strftime('%Y-%m-01', order_date) AS month, count(*) AS orders FROM orders GROUP BY 1 ORDER BY 1";

async fn save_chart(relay: &TestRelay, name: &str, sql: &str) -> String {
    let body = json!({"name": name, "source_id": "demo", "sql": sql, "chart": {"kind": "bar", "x": 0, "y": [1]}});
    let reply = relay.call(Method::POST, "/api/v1/charts", Some(body), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json::<SavedChart>().id
}

fn definition(by_country: &str, by_month: &str) -> Value {
    json!({
        "tabs": ["Overview", "Details"],
        "filters": [
            {"id": "country", "label": "Country", "kind": "category"},
            {"id": "when", "label": "Order month", "kind": "date_range"}
        ],
        "tiles": [
            {"id": "countries", "tab": 0, "x": 0, "y": 0, "w": 6, "h": 4,
             "content": {"type": "chart", "chart_id": by_country, "bindings": [{"filter_id": "country", "column": "country"}]}},
            {"id": "months", "tab": 0, "x": 6, "y": 0, "w": 6, "h": 4,
             "content": {"type": "chart", "chart_id": by_month, "bindings": [{"filter_id": "when", "column": "month"}]}},
            {"id": "about", "tab": 1, "x": 0, "y": 0, "w": 12, "h": 2, "content": {"type": "text", "markdown": "# Notes"}}
        ]
    })
}

async fn dashboard(relay: &TestRelay, name: &str) -> Dashboard {
    let (by_country, by_month) =
        (save_chart(relay, "By country", BY_COUNTRY).await, save_chart(relay, "By month", BY_MONTH).await);
    let body = json!({"name": name, "definition": definition(&by_country, &by_month)});
    let reply = relay.call(Method::POST, "/api/v1/dashboards", Some(body), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

async fn run(relay: &TestRelay, path: &str, filters: Value, auth: &Auth) -> (StatusCode, Vec<Vec<Cell>>) {
    let reply = relay.call(Method::POST, path, Some(json!({"filters": filters})), auth).await;
    let rows = if reply.status == StatusCode::OK { rows_of(&support::frames(&reply.body)) } else { Vec::new() };
    (reply.status, rows)
}

async fn share(relay: &TestRelay, dashboard: &Dashboard, body: Value) -> CreateShareLinkResponse {
    let reply =
        relay.call(Method::POST, &format!("/api/v1/dashboards/{}/links", dashboard.id), Some(body), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    reply.json()
}

fn text(cell: &Cell) -> String {
    cell.to_string()
}

#[tokio::test]
async fn dashboards_keep_valid_definitions_and_refuse_the_rest() {
    let relay = TestRelay::default().await;
    let saved = dashboard(&relay, "Sales").await;
    assert_eq!(saved.definition.tiles.len(), 3);
    let (_, got): (_, Dashboard) = relay.get(&format!("/api/v1/dashboards/{}", saved.id)).await;
    assert_eq!(got, saved);

    let chart = save_chart(&relay, "Another", BY_COUNTRY).await;
    let tile = |x: u32, w: u32, chart_id: &str, filter: &str| {
        json!({"id": "t", "tab": 0, "x": x, "y": 0, "w": w, "h": 2,
               "content": {"type": "chart", "chart_id": chart_id, "bindings": [{"filter_id": filter, "column": "country"}]}})
    };
    let filters = json!([{"id": "country", "label": "Country", "kind": "category"}]);
    for (what, definition) in [
        ("no tab", json!({"tabs": [], "tiles": []})),
        ("past the grid", json!({"tabs": ["A"], "filters": filters, "tiles": [tile(8, 6, &chart, "country")]})),
        ("an unknown chart", json!({"tabs": ["A"], "filters": filters, "tiles": [tile(0, 6, "nope", "country")]})),
        ("an unknown filter", json!({"tabs": ["A"], "filters": filters, "tiles": [tile(0, 6, &chart, "nope")]})),
        (
            "two tiles, one id",
            json!({"tabs": ["A"], "filters": filters, "tiles": [tile(0, 6, &chart, "country"), tile(6, 6, &chart, "country")]}),
        ),
        (
            "two tiles on one spot",
            json!({"tabs": ["A"], "tiles": [
                {"id": "a", "tab": 0, "x": 0, "y": 0, "w": 6, "h": 4, "content": {"type": "text", "markdown": ""}},
                {"id": "b", "tab": 0, "x": 4, "y": 3, "w": 6, "h": 4, "content": {"type": "text", "markdown": ""}}
            ]}),
        ),
        (
            "a tab that is not there",
            json!({"tabs": ["A"], "tiles": [{"id": "x", "tab": 3, "x": 0, "y": 0, "w": 1, "h": 1, "content": {"type": "text", "markdown": ""}}]}),
        ),
    ] {
        let reply = relay
            .call(
                Method::PUT,
                &format!("/api/v1/dashboards/{}", saved.id),
                Some(json!({"name": "Broken", "definition": definition})),
                &relay.owner,
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", reply.text());
    }
    let (_, unchanged): (_, Dashboard) = relay.get(&format!("/api/v1/dashboards/{}", saved.id)).await;
    assert_eq!(unchanged, saved, "a refused change changes nothing");
}

#[tokio::test]
async fn filters_reach_the_database_as_bound_values() {
    let relay = TestRelay::default().await;
    let board = dashboard(&relay, "Sales").await;
    let countries = format!("/api/v1/dashboards/{}/tiles/countries/run", board.id);
    let (status, all) = run(&relay, &countries, json!({}), &relay.owner).await;
    assert_eq!(status, StatusCode::OK);
    assert!(all.len() > 3);
    let chosen = text(&all[1][0]);
    let (_, one) = run(&relay, &countries, json!({"country": chosen}), &relay.owner).await;
    assert_eq!(one, vec![all[1].clone()]);

    // A value that would change the query if pasted into it is only a value.
    let hostile = "x' OR '1'='1";
    let (status, none) = run(&relay, &countries, json!({"country": hostile}), &relay.owner).await;
    assert_eq!((status, none.len()), (StatusCode::OK, 0));

    let months = format!("/api/v1/dashboards/{}/tiles/months/run", board.id);
    let (_, every_month) = run(&relay, &months, json!({}), &relay.owner).await;
    let (_, first_quarter) =
        run(&relay, &months, json!({"when": {"from": "2023-01-01", "to": "2023-03-31"}}), &relay.owner).await;
    assert_eq!(
        first_quarter.iter().map(|r| text(&r[0])).collect::<Vec<_>>(),
        ["2023-01-01", "2023-02-01", "2023-03-01"]
    );
    assert!(every_month.len() > first_quarter.len());
    let (status, _) = run(&relay, &months, json!({"when": {"from": "2023-01-01'; --"}}), &relay.owner).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) =
        run(&relay, &format!("/api/v1/dashboards/{}/tiles/about/run", board.id), json!({}), &relay.owner).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a text tile has nothing to run");
}

#[tokio::test]
async fn a_share_link_opens_its_dashboard_view_and_tiles_and_nothing_else() {
    let relay = TestRelay::default().await;
    let board = dashboard(&relay, "Sales").await;
    let other = dashboard(&relay, "Other").await;
    let created = share(&relay, &board, json!({})).await;
    assert!(created.path.starts_with("/share#"));
    let token = Auth::Share(created.token.clone());

    let reply = relay.call(Method::GET, "/api/v1/shared/dashboard", None, &token).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let shared: SharedDashboard = reply.json();
    assert_eq!(shared.name, "Sales");
    assert_eq!(shared.charts.len(), 2);
    assert!(!reply.text().contains("GROUP BY"), "a share link never shows SQL");
    let (status, rows) = run(&relay, "/api/v1/shared/tiles/countries/run", json!({}), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!rows.is_empty());

    // Every other route of the API refuses the token.
    for route in vizkraft_relay::api_routes().table() {
        if matches!(route.access, Access::Public | Access::ShareLink) {
            continue;
        }
        let path = route
            .path
            .replace("{id}", &board.id)
            .replace("{tile_id}", "countries")
            .replace("{link_id}", &created.link.id);
        let path = format!(
            "/api/v1{}",
            path.split('/').map(|p| if p.starts_with('{') { "x" } else { p }).collect::<Vec<_>>().join("/")
        );
        let body = (route.method != Method::GET && route.method != Method::DELETE).then(|| json!({}));
        let reply = relay.call(route.method.clone(), &path, body, &token).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{} {path}: {}", route.method, reply.text());
    }
    // The other dashboard's tiles are not this link's.
    let (status, _) = run(&relay, "/api/v1/shared/tiles/nope/run", json!({}), &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other_link = share(&relay, &other, json!({})).await;
    let reply = relay.call(Method::GET, "/api/v1/shared/dashboard", None, &Auth::Share(other_link.token)).await;
    assert_eq!(reply.json::<SharedDashboard>().name, "Other");

    // Tampered, made-up and absent tokens.
    for auth in [Auth::Share(format!("{}x", created.token)), Auth::Share("made-up".into()), Auth::None] {
        assert_eq!(
            relay.call(Method::GET, "/api/v1/shared/dashboard", None, &auth).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
}

#[tokio::test]
async fn expired_revoked_rotated_and_deleted_links_stop_working() {
    let relay = TestRelay::default().await;
    let board = dashboard(&relay, "Sales").await;
    let view = |token: &str| {
        let auth = Auth::Share(token.to_owned());
        let relay = &relay;
        async move { relay.call(Method::GET, "/api/v1/shared/dashboard", None, &auth).await.status }
    };

    let expiring = share(&relay, &board, json!({"expires_in_days": 1})).await;
    assert_eq!(view(&expiring.token).await, StatusCode::OK);
    sqlx::query("UPDATE share_links SET expires_at = 1 WHERE id = ?")
        .bind(&expiring.link.id)
        .execute(&relay.meta.0)
        .await
        .unwrap();
    assert_eq!(view(&expiring.token).await, StatusCode::UNAUTHORIZED);

    let revoked = share(&relay, &board, json!({})).await;
    let path = format!("/api/v1/dashboards/{}/links/{}", board.id, revoked.link.id);
    assert_eq!(relay.call(Method::DELETE, &path, None, &relay.owner).await.status, StatusCode::NO_CONTENT);
    assert_eq!(view(&revoked.token).await, StatusCode::UNAUTHORIZED);

    let rotating = share(&relay, &board, json!({})).await;
    let path = format!("/api/v1/dashboards/{}/links/{}/rotate", board.id, rotating.link.id);
    let rotated: CreateShareLinkResponse = relay.call(Method::POST, &path, None, &relay.owner).await.json();
    assert_eq!(view(&rotating.token).await, StatusCode::UNAUTHORIZED, "the old URL dies at once");
    assert_eq!(view(&rotated.token).await, StatusCode::OK);
    let (_, audit): (_, ListAuditResponse) = relay.get("/api/v1/audit").await;
    let kinds: Vec<AuditEventKind> = audit.events.iter().map(|e| e.kind).collect();
    for kind in [AuditEventKind::ShareLinkRevoked, AuditEventKind::ShareLinkRotated] {
        assert!(kinds.contains(&kind), "{kind:?} is audited: {kinds:?}");
    }

    let (_, links): (_, ListShareLinksResponse) = relay.get(&format!("/api/v1/dashboards/{}/links", board.id)).await;
    assert_eq!(links.links.len(), 3);
    assert!(links.links.iter().any(|l| l.last_used_at.is_some()), "last use is shown");

    let all = format!("/api/v1/dashboards/{}/links", board.id);
    let another = share(&relay, &board, json!({})).await;
    assert_eq!(relay.call(Method::DELETE, &all, None, &relay.owner).await.status, StatusCode::NO_CONTENT);
    assert_eq!(view(&another.token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(view(&rotated.token).await, StatusCode::UNAUTHORIZED);

    let last = share(&relay, &board, json!({})).await;
    assert_eq!(view(&last.token).await, StatusCode::OK);
    let reply = relay.call(Method::DELETE, &format!("/api/v1/dashboards/{}", board.id), None, &relay.owner).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(view(&last.token).await, StatusCode::UNAUTHORIZED, "deleting a dashboard kills its links");
}

#[tokio::test]
async fn locked_filters_cannot_be_changed_through_the_link() {
    let relay = TestRelay::default().await;
    let board = dashboard(&relay, "Sales").await;
    let countries = format!("/api/v1/dashboards/{}/tiles/countries/run", board.id);
    let (_, all) = run(&relay, &countries, json!({}), &relay.owner).await;
    let (locked, other) = (text(&all[0][0]), text(&all[1][0]));
    let link = share(&relay, &board, json!({"locked_filters": {"country": locked}})).await;
    let token = Auth::Share(link.token);
    let tile = "/api/v1/shared/tiles/countries/run";

    let (status, rows) = run(&relay, tile, json!({}), &token).await;
    assert_eq!((status, rows), (StatusCode::OK, vec![all[0].clone()]), "the locked value applies by itself");
    let (status, _) = run(&relay, tile, json!({"country": locked}), &token).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = run(&relay, tile, json!({"country": other}), &token).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a tampered locked value is refused");

    let reply = relay
        .call(
            Method::POST,
            &format!("/api/v1/dashboards/{}/links", board.id),
            Some(json!({"locked_filters": {"nope": "x"}})),
            &relay.owner,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "only the dashboard's filters can be locked");
    let reply = relay
        .call(
            Method::POST,
            &format!("/api/v1/dashboards/{}/links", board.id),
            Some(json!({"expires_in_days": 365})),
            &relay.owner,
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "past the longest allowed life");
}

#[tokio::test]
async fn viewers_open_dashboards_editors_build_and_other_organisations_see_nothing() {
    let relay = TestRelay::default().await;
    let board = dashboard(&relay, "Sales").await;
    let viewer = relay.member("viewer@example.com", Role::Viewer).await;
    let tile = format!("/api/v1/dashboards/{}/tiles/countries/run", board.id);
    assert_eq!(run(&relay, &tile, json!({}), &viewer).await.0, StatusCode::OK);
    assert_eq!(
        relay.call(Method::GET, &format!("/api/v1/dashboards/{}", board.id), None, &viewer).await.status,
        StatusCode::OK
    );
    let reply =
        relay.call(Method::POST, &format!("/api/v1/dashboards/{}/links", board.id), Some(json!({})), &viewer).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let other = relay.member("other@example.com", Role::Viewer).await;
    let reply = relay.call(Method::POST, "/api/v1/organisations", Some(json!({"name": "Other Ltd"})), &other).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        relay.call(Method::GET, &format!("/api/v1/dashboards/{}", board.id), None, &other).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(run(&relay, &tile, json!({}), &other).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn archiving_a_dashboard_kills_its_links_for_good() {
    let relay = TestRelay::default().await;
    let board = dashboard(&relay, "Sales").await;
    let link = share(&relay, &board, json!({})).await;
    let view = |token: &str| {
        let auth = Auth::Share(token.to_owned());
        let relay = &relay;
        async move { relay.call(Method::GET, "/api/v1/shared/dashboard", None, &auth).await.status }
    };
    let listed = |archived: bool| {
        let relay = &relay;
        async move {
            let (_, list): (_, ListDashboardsResponse) =
                relay.get(&format!("/api/v1/dashboards?archived={archived}")).await;
            list.dashboards.into_iter().map(|d| d.name).collect::<Vec<_>>()
        }
    };
    assert_eq!(view(&link.token).await, StatusCode::OK);

    let viewer = relay.member("viewer@example.com", Role::Viewer).await;
    let archive = format!("/api/v1/dashboards/{}/archive", board.id);
    assert_eq!(relay.call(Method::POST, &archive, None, &viewer).await.status, StatusCode::FORBIDDEN);
    assert_eq!(view(&link.token).await, StatusCode::OK, "a refused archive changes nothing");

    let reply = relay.call(Method::POST, &archive, None, &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.json::<Dashboard>().archived_at.is_some());
    assert_eq!(view(&link.token).await, StatusCode::UNAUTHORIZED, "archiving kills the links");
    assert!(listed(false).await.is_empty(), "archived dashboards leave the list");
    assert_eq!(listed(true).await, ["Sales"]);
    let tile = format!("/api/v1/dashboards/{}/tiles/countries/run", board.id);
    assert_eq!(run(&relay, &tile, json!({}), &viewer).await.0, StatusCode::OK, "members can still open it");

    let links = format!("/api/v1/dashboards/{}/links", board.id);
    let reply = relay.call(Method::POST, &links, Some(json!({})), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "an archived dashboard is not shared");
    let change = json!({"name": "Renamed", "definition": board.definition});
    let reply = relay.call(Method::PUT, &format!("/api/v1/dashboards/{}", board.id), Some(change), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "an archived dashboard does not change");

    let restore = format!("/api/v1/dashboards/{}/restore", board.id);
    let reply = relay.call(Method::POST, &restore, None, &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.json::<Dashboard>().archived_at, None);
    assert_eq!(listed(false).await, ["Sales"]);
    assert_eq!(view(&link.token).await, StatusCode::UNAUTHORIZED, "restoring does not revive old links");
    let fresh = share(&relay, &board, json!({})).await;
    assert_eq!(view(&fresh.token).await, StatusCode::OK);

    let (_, audit): (_, ListAuditResponse) = relay.get("/api/v1/audit").await;
    let kinds: Vec<AuditEventKind> = audit.events.iter().map(|e| e.kind).collect();
    for kind in [AuditEventKind::DashboardArchived, AuditEventKind::DashboardRestored, AuditEventKind::ShareLinkCreated]
    {
        assert!(kinds.contains(&kind), "{kind:?} is audited: {kinds:?}");
    }
}

#[tokio::test]
async fn admins_set_how_long_share_links_may_last() {
    let relay = TestRelay::default().await;
    let board = dashboard(&relay, "Sales").await;
    let policy = "/api/v1/settings/sharing";
    let (_, current): (_, SharingPolicy) = relay.get(policy).await;
    assert_eq!(current.share_link_max_days, 90, "the default limit");
    let days_left = |link: &CreateShareLinkResponse| {
        let relay = &relay;
        let id = link.link.id.clone();
        async move {
            let left: i64 =
                sqlx::query_scalar("SELECT (expires_at - created_at) / 86400 FROM share_links WHERE id = ?")
                    .bind(id)
                    .fetch_one(&relay.meta.0)
                    .await
                    .unwrap();
            left
        }
    };
    let long = share(&relay, &board, json!({"expires_in_days": 60})).await;
    assert_eq!(days_left(&long).await, 60);

    let editor = relay.member("editor@example.com", Role::Editor).await;
    let reply = relay.call(Method::PUT, policy, Some(json!({"share_link_max_days": 10})), &editor).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "only admins set the limit");
    for days in [0, 366] {
        let reply = relay.call(Method::PUT, policy, Some(json!({"share_link_max_days": days})), &relay.owner).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{days} days");
    }
    assert_eq!(days_left(&long).await, 60, "a refused change changes nothing");

    let reply = relay.call(Method::PUT, policy, Some(json!({"share_link_max_days": 10})), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.json::<SharingPolicy>().share_link_max_days, 10);
    assert_eq!(days_left(&long).await, 10, "live links are shortened to the new limit");
    let links = format!("/api/v1/dashboards/{}/links", board.id);
    let reply = relay.call(Method::POST, &links, Some(json!({"expires_in_days": 11})), &editor).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "past the limit");
    assert!(reply.text().contains("1 to 10 days"), "{}", reply.text());
    assert_eq!(days_left(&share(&relay, &board, json!({})).await).await, 7, "the default within the limit");

    let reply = relay.call(Method::PUT, policy, Some(json!({"share_link_max_days": 3})), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(days_left(&share(&relay, &board, json!({})).await).await, 3, "the default never passes the limit");

    let (_, audit): (_, ListAuditResponse) = relay.get("/api/v1/audit").await;
    assert!(audit
        .events
        .iter()
        .any(|e| e.kind == AuditEventKind::SharingPolicyChanged && e.subject.as_deref() == Some("3 days at most")));
}
