//! The access layer: every route behind it, roles enforced from one matrix, organisations
//! isolated, sessions, CSRF, rate limits, API keys, invitations and the last-owner rule.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use vizkraft_domain::api::api_keys::CreateApiKeyResponse;
use vizkraft_domain::api::audit::{AuditEventKind, ListAuditResponse};
use vizkraft_domain::api::auth::{MeResponse, Role};
use vizkraft_domain::api::members::{CreateInvitationResponse, ListMembersResponse};
use vizkraft_domain::ErrorCode;
use vizkraft_relay::access::Access;

use support::{Auth, Reply, TestRelay, ORIGIN, OWNER_EMAIL, OWNER_PASSWORD};

/// A route's path with every `{param}` filled in.
fn concrete(path: &str) -> String {
    let filled: Vec<String> =
        path.split('/').map(|part| if part.starts_with('{') { "x".to_owned() } else { part.to_owned() }).collect();
    format!("/api/v1{}", filled.join("/"))
}

/// A plausible body for every route that takes one, so a refusal is about access, not shape.
fn body_for(method: &Method) -> Option<Value> {
    (*method != Method::GET && *method != Method::DELETE).then(|| json!({}))
}

impl TestRelay {
    async fn sign_in(&self, email: &str, password: &str) -> Reply {
        self.call(Method::POST, "/api/v1/session", Some(json!({"email": email, "password": password})), &Auth::None)
            .await
    }

    async fn create_key(&self, auth: &Auth, role: Role, days: Option<u32>) -> CreateApiKeyResponse {
        let body = json!({"name": "ci", "role": role, "expires_in_days": days});
        let reply = self.call(Method::POST, "/api/v1/api-keys", Some(body), auth).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
        reply.json()
    }

    async fn audit_kinds(&self) -> Vec<AuditEventKind> {
        self.audit_kinds_as(&self.owner).await
    }

    async fn audit_kinds_as(&self, auth: &Auth) -> Vec<AuditEventKind> {
        let audit: ListAuditResponse = self.call(Method::GET, "/api/v1/audit", None, auth).await.json();
        audit.events.into_iter().map(|e| e.kind).collect()
    }
}

#[tokio::test]
async fn without_credentials_every_route_but_the_public_ones_answers_401() {
    let relay = TestRelay::default().await;
    let table = vizkraft_relay::api_routes();
    assert!(table.table().len() >= 20, "the route table looks incomplete");
    for route in table.table() {
        let reply = relay.call(route.method.clone(), &concrete(route.path), body_for(&route.method), &Auth::None).await;
        match route.access {
            Access::Public => assert_ne!(reply.status, StatusCode::UNAUTHORIZED, "{} {}", route.method, route.path),
            _ => {
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{} {}", route.method, route.path);
                assert_eq!(reply.error().code, ErrorCode::Unauthenticated);
            }
        }
    }
}

#[tokio::test]
async fn every_documented_route_is_in_the_access_table() {
    let relay = TestRelay::default().await;
    let (_, doc): (_, Value) = relay.get("/api/v1/openapi.json").await;
    let table = vizkraft_relay::api_routes();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            let known = table
                .table()
                .iter()
                .any(|r| format!("/api/v1{}", r.path) == *path && r.method.as_str().eq_ignore_ascii_case(method));
            assert!(known, "{method} {path} is documented but not in the access table");
        }
    }
    // And the other way round: every route but the document itself is documented.
    for route in table.table().iter().filter(|r| r.path != "/openapi.json") {
        let path = format!("/api/v1{}", route.path);
        let documented = doc["paths"][&path][route.method.as_str().to_lowercase()].is_object();
        assert!(documented, "{} {path} is served but not in the OpenAPI document", route.method);
    }
}

#[tokio::test]
async fn a_viewer_is_refused_every_route_above_its_role() {
    let relay = TestRelay::default().await;
    let viewer = relay.member("viewer@example.com", Role::Viewer).await;
    for route in vizkraft_relay::api_routes().table() {
        let Access::Permission(permission) = route.access else { continue };
        let reply = relay.call(route.method.clone(), &concrete(route.path), body_for(&route.method), &viewer).await;
        if Role::Viewer.allows(permission) {
            assert_ne!(reply.status, StatusCode::FORBIDDEN, "{} {}", route.method, route.path);
        } else {
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{} {}: {}", route.method, route.path, reply.text());
        }
    }
    // What a viewer may do, it can: ask, and run the compiler's SQL.
    let reply = relay
        .call(
            Method::POST,
            "/api/v1/ask/run",
            Some(json!({"source_id": "demo", "question": "how many customers"})),
            &viewer,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let frames = support::frames(&reply.body);
    assert!(matches!(frames.last(), Some(vizkraft_domain::api::query::ResultFrame::End(_))), "{frames:?}");
}

#[tokio::test]
async fn another_organisation_sees_none_of_ours_not_even_that_it_exists() {
    let relay = TestRelay::default().await;
    // Our objects: the demo source, a member, an invitation, an API key.
    let key = relay.create_key(&relay.owner, Role::Viewer, None).await;
    let (_, members): (_, ListMembersResponse) = relay.get("/api/v1/members").await;
    let owner_id = members.members[0].user_id.clone();
    let invitation: CreateInvitationResponse =
        relay.call(Method::POST, "/api/v1/invitations", Some(json!({"role": "viewer"})), &relay.owner).await.json();

    // Someone we invited starts an organisation of their own and is its owner there.
    let other = relay.member("other@example.com", Role::Viewer).await;
    let reply = relay.call(Method::POST, "/api/v1/organisations", Some(json!({"name": "Other Ltd"})), &other).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());

    let attempts = [
        (Method::GET, "/api/v1/sources/demo/schema".to_owned(), None),
        (Method::POST, "/api/v1/ask".to_owned(), Some(json!({"source_id": "demo", "question": "how many customers"}))),
        (Method::POST, "/api/v1/query".to_owned(), Some(json!({"source_id": "demo", "sql": "SELECT 1"}))),
        (Method::DELETE, format!("/api/v1/api-keys/{}", key.key.id), None),
        (Method::PUT, format!("/api/v1/members/{owner_id}/role"), Some(json!({"role": "viewer"}))),
        (Method::DELETE, format!("/api/v1/members/{owner_id}"), None),
        (Method::DELETE, format!("/api/v1/invitations/{}", invitation.invitation.id), None),
    ];
    for (method, path, body) in attempts {
        let reply = relay.call(method.clone(), &path, body, &other).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}: {}", reply.text());
    }
    let (_, sources): (_, Value) = {
        let reply = relay.call(Method::GET, "/api/v1/sources", None, &other).await;
        (reply.status, reply.json())
    };
    assert_eq!(sources["sources"], json!([]));
    // And our key still works: nothing was changed by the attempts.
    let reply = relay.call(Method::GET, "/api/v1/sources", None, &Auth::Key(key.secret)).await;
    assert_eq!(reply.status, StatusCode::OK);
}

#[tokio::test]
async fn the_session_cookie_is_host_only_secure_http_only_and_strict() {
    let relay = TestRelay::default().await;
    let reply = relay.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK);
    let cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("__Host-vizkraft_session="), "{cookie}");
    for flag in ["; Path=/", "; Secure", "; HttpOnly", "; SameSite=Strict"] {
        assert!(cookie.contains(flag), "{flag} missing in {cookie}");
    }
    assert!(!cookie.contains("Domain="));
    // 256 random bits, base64url.
    assert_eq!(reply.session_cookie().unwrap().len(), 43);
}

#[tokio::test]
async fn signing_out_and_changing_the_password_end_sessions() {
    let relay = TestRelay::default().await;
    let second = Auth::Session(relay.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await.session_cookie().unwrap());
    let third = Auth::Session(relay.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await.session_cookie().unwrap());

    let reply = relay.call(Method::DELETE, "/api/v1/session", None, &second).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(relay.call(Method::GET, "/api/v1/me", None, &second).await.status, StatusCode::UNAUTHORIZED);

    let change = json!({"current_password": OWNER_PASSWORD, "new_password": "a-brand-new-password"});
    let reply = relay.call(Method::PUT, "/api/v1/me/password", Some(change), &relay.owner).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    assert_eq!(relay.call(Method::GET, "/api/v1/me", None, &third).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(relay.call(Method::GET, "/api/v1/me", None, &relay.owner).await.status, StatusCode::OK);
    assert_eq!(relay.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(relay.sign_in(OWNER_EMAIL, "a-brand-new-password").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_cookie_request_from_another_origin_is_refused() {
    let relay = TestRelay::default().await;
    let Auth::Session(cookie) = &relay.owner else { unreachable!() };
    let body = json!({"role": "viewer"});
    for origin in [Some("https://evil.example"), Some("http://relay.test.evil.example"), None] {
        let mut request = TestRelay::build(Method::POST, "/api/v1/invitations", Some(body.clone()), &Auth::None);
        request.headers_mut().remove("origin");
        if let Some(origin) = origin {
            request.headers_mut().insert("origin", origin.parse().unwrap());
        }
        request.headers_mut().insert("cookie", format!("__Host-vizkraft_session={cookie}").parse().unwrap());
        let reply = relay.send(request).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin:?}");
        assert_eq!(reply.error().code, ErrorCode::CrossOrigin);
    }
    // Reads are not state-changing; the same origin is fine.
    assert_eq!(relay.call(Method::GET, "/api/v1/members", None, &relay.owner).await.status, StatusCode::OK);
    assert_eq!(relay.call(Method::POST, "/api/v1/invitations", Some(body), &relay.owner).await.status, StatusCode::OK);
    assert_eq!(ORIGIN, "https://relay.test");
}

#[tokio::test]
async fn repeated_wrong_passwords_are_slowed_and_say_nothing_about_the_account() {
    let relay = TestRelay::default().await;
    let unknown = relay.sign_in("nobody@example.com", "whatever-password").await;
    let wrong = relay.sign_in(OWNER_EMAIL, "wrong-password").await;
    assert_eq!((unknown.status, wrong.status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(unknown.error().message, wrong.error().message);
    for _ in 0..4 {
        assert_eq!(relay.sign_in(OWNER_EMAIL, "wrong-password").await.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password waits.
    let limited = relay.sign_in(OWNER_EMAIL, OWNER_PASSWORD).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.error().code, ErrorCode::RateLimited);
    assert!(limited.headers.contains_key("retry-after"));
    assert!(relay.audit_kinds().await.contains(&AuditEventKind::SignInFailed));
}

#[tokio::test]
async fn api_keys_are_shown_once_stored_hashed_and_stop_when_revoked_or_expired() {
    let relay = TestRelay::default().await;
    let created = relay.create_key(&relay.owner, Role::Viewer, None).await;
    let key = created.secret.clone();
    assert!(key.starts_with("vk_") && key.len() > 40, "{key}");
    let auth = Auth::Key(key.clone());
    assert_eq!(relay.call(Method::GET, "/api/v1/sources", None, &auth).await.status, StatusCode::OK);
    // A viewer key cannot do what a viewer cannot.
    assert_eq!(relay.call(Method::GET, "/api/v1/members", None, &auth).await.status, StatusCode::FORBIDDEN);

    // The key's text is nowhere in the metadata store's files.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&relay.meta.0).await.unwrap();
    let secret_part = &key[12..44];
    for file in std::fs::read_dir(relay.data_dir()).unwrap().map(|e| e.unwrap().path()) {
        let bytes = std::fs::read(&file).unwrap();
        assert!(
            !bytes.windows(secret_part.len()).any(|w| w == secret_part.as_bytes()),
            "key text in {}",
            file.display()
        );
    }
    // Listing never shows the secret.
    let listed = relay.call(Method::GET, "/api/v1/api-keys", None, &relay.owner).await.text();
    assert!(!listed.contains(secret_part) && listed.contains(&created.key.display_prefix));

    // In a URL it is refused, even when valid.
    let reply = relay.call(Method::GET, &format!("/api/v1/sources?api_key={key}"), None, &Auth::None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // A typo fails its checksum; revocation works at once.
    let typo = format!("{}x", &key[..key.len() - 1]);
    assert_eq!(
        relay.call(Method::GET, "/api/v1/sources", None, &Auth::Key(typo)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let reply = relay.call(Method::DELETE, &format!("/api/v1/api-keys/{}", created.key.id), None, &relay.owner).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(relay.call(Method::GET, "/api/v1/sources", None, &auth).await.status, StatusCode::UNAUTHORIZED);

    // An expired key stops too.
    let expiring = relay.create_key(&relay.owner, Role::Viewer, Some(1)).await;
    let auth = Auth::Key(expiring.secret.clone());
    assert_eq!(relay.call(Method::GET, "/api/v1/sources", None, &auth).await.status, StatusCode::OK);
    sqlx::query("UPDATE api_keys SET expires_at = 1 WHERE id = ?")
        .bind(&expiring.key.id)
        .execute(&relay.meta.0)
        .await
        .unwrap();
    assert_eq!(relay.call(Method::GET, "/api/v1/sources", None, &auth).await.status, StatusCode::UNAUTHORIZED);

    let kinds = relay.audit_kinds().await;
    for kind in [AuditEventKind::ApiKeyCreated, AuditEventKind::ApiKeyUsed, AuditEventKind::ApiKeyRevoked] {
        assert!(kinds.contains(&kind), "{kind:?} not audited");
    }
}

#[tokio::test]
async fn nobody_hands_out_more_than_their_own_role() {
    let relay = TestRelay::default().await;
    let admin = relay.member("admin@example.com", Role::Admin).await;
    let body = json!({"name": "too strong", "role": "owner", "expires_in_days": null});
    assert_eq!(relay.call(Method::POST, "/api/v1/api-keys", Some(body), &admin).await.status, StatusCode::FORBIDDEN);
    let body = json!({"role": "owner"});
    assert_eq!(relay.call(Method::POST, "/api/v1/invitations", Some(body), &admin).await.status, StatusCode::FORBIDDEN);
    // An admin cannot touch an owner.
    let (_, members): (_, ListMembersResponse) = relay.get("/api/v1/members").await;
    let owner = members.members.iter().find(|m| m.role == Role::Owner).unwrap();
    let path = format!("/api/v1/members/{}/role", owner.user_id);
    assert_eq!(
        relay.call(Method::PUT, &path, Some(json!({"role": "viewer"})), &admin).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn invitations_work_once_and_not_after_they_expire() {
    let relay = TestRelay::default().await;
    let token = relay.invite(Role::Editor).await;
    let accept =
        |email: &str| json!({"token": token, "email": email, "display_name": "E", "password": "editor-password-1"});
    let first =
        relay.call(Method::POST, "/api/v1/invitations/accept", Some(accept("e1@example.com")), &Auth::None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let me: MeResponse = first.json();
    assert_eq!(me.active_role(), Some(Role::Editor));
    let again =
        relay.call(Method::POST, "/api/v1/invitations/accept", Some(accept("e2@example.com")), &Auth::None).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(again.error().code, ErrorCode::TokenInvalid);

    let token = relay.invite(Role::Viewer).await;
    sqlx::query("UPDATE invitations SET expires_at = 1 WHERE accepted_at IS NULL")
        .execute(&relay.meta.0)
        .await
        .unwrap();
    let body = json!({"token": token, "email": "late@example.com", "display_name": "L", "password": "late-password-1"});
    assert_eq!(
        relay.call(Method::POST, "/api/v1/invitations/accept", Some(body), &Auth::None).await.status,
        StatusCode::GONE
    );
    // Nothing was created by the refused attempts.
    assert_eq!(relay.sign_in("late@example.com", "late-password-1").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(relay.sign_in("e2@example.com", "editor-password-1").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_last_owner_can_be_neither_demoted_nor_removed() {
    let relay = TestRelay::default().await;
    let (_, members): (_, ListMembersResponse) = relay.get("/api/v1/members").await;
    let owner_id = &members.members[0].user_id;
    let path = format!("/api/v1/members/{owner_id}/role");
    let reply = relay.call(Method::PUT, &path, Some(json!({"role": "admin"})), &relay.owner).await;
    assert_eq!((reply.status, reply.error().code), (StatusCode::CONFLICT, ErrorCode::Conflict));
    let reply = relay.call(Method::DELETE, &format!("/api/v1/members/{owner_id}"), None, &relay.owner).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    // With a second owner, the first may step down.
    let second = relay.member("second@example.com", Role::Owner).await;
    let reply = relay.call(Method::PUT, &path, Some(json!({"role": "admin"})), &second).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text());
    let kinds = relay.audit_kinds_as(&second).await;
    assert!(kinds.contains(&AuditEventKind::RoleChanged));
}

#[tokio::test]
async fn the_set_up_link_works_once_and_only_while_nobody_exists() {
    let relay = TestRelay::default().await;
    let body = json!({"token": "made-up", "email": "x@example.com", "display_name": "X", "password": "x-password-123",
                      "organisation_name": "X"});
    let reply = relay.call(Method::POST, "/api/v1/setup", Some(body), &Auth::None).await;
    assert_eq!(reply.status, StatusCode::GONE);
    assert!(vizkraft_relay::auth::ensure_setup_token(&relay.meta).await.unwrap().is_none());
    let (_, status): (_, Value) = relay.get("/api/v1/setup").await;
    assert_eq!(status["needs_setup"], false);
}
