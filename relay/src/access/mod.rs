//! The access layer every API route sits behind. Routes can only be added through
//! [`ApiRoutes`], which makes each one name its [`Access`] rule and records it in a route
//! table, so an unprotected route cannot be added by accident and tests can walk them all.

mod tokens;

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::response::Response;
use axum::routing::{on, MethodFilter};
use axum::Router;
use vizkraft_domain::api::auth::{Permission, Role};

pub use tokens::{hashes_match, new_id, random_token, token_hash, unix_now};

use crate::error::RelayError;
use crate::state::AppState;

/// Who a request acts for, established by the access layer before any handler runs.
#[derive(Debug, Clone)]
pub struct Principal {
    pub organisation_id: String,
    pub role: Role,
    pub actor: Actor,
}

#[derive(Debug, Clone)]
pub enum Actor {
    /// A person signed in with a session cookie.
    User { user_id: String, email: String, session_hash: Vec<u8> },
    /// A program holding an API key.
    ApiKey { key_id: String, display_prefix: String },
}

impl Principal {
    /// How the audit log names this principal.
    pub fn audit_name(&self) -> String {
        match &self.actor {
            Actor::User { email, .. } => email.clone(),
            Actor::ApiKey { display_prefix, .. } => format!("API key {display_prefix}"),
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.actor {
            Actor::User { user_id, .. } => Some(user_id),
            Actor::ApiKey { .. } => None,
        }
    }

    pub fn require(&self, permission: Permission) -> Result<(), RelayError> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(RelayError::Forbidden)
        }
    }
}

/// Handlers take the principal as an extractor; it is always there behind the access layer.
impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = RelayError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Principal>().cloned().ok_or(RelayError::Unauthenticated)
    }
}

/// The client's address as the socket saw it, for rate limits and the audit log.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress::of(&parts.extensions))
    }
}

impl ClientAddress {
    /// The address `tls::serve_tls` recorded for the request's connection, if any.
    fn of(extensions: &axum::http::Extensions) -> Self {
        ClientAddress(extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0))
    }

    pub fn to_audit(self) -> Option<String> {
        self.0.map(|a| a.ip().to_string())
    }
}

/// What a route demands of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, sign-in, set-up, accepting an invitation.
    Public,
    /// A dashboard share link's visitor, by the link's token (`Authorization: Share …`),
    /// which no other route accepts.
    ShareLink,
    /// Any signed-in member, whatever the role: their own account and session.
    SignedIn,
    /// A role that allows this permission in the active organisation.
    Permission(Permission),
}

/// One row of the route table.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    /// Path below `/api/v1`, with `{param}` placeholders.
    pub path: &'static str,
    pub access: Access,
}

/// The only way to add an API route: every route states its access rule.
#[derive(Default)]
pub struct ApiRoutes {
    public: Router<AppState>,
    protected: Router<AppState>,
    table: Vec<RouteSpec>,
}

impl ApiRoutes {
    pub fn get<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, MethodFilter::GET, path, access, handler)
    }

    pub fn post<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, MethodFilter::POST, path, access, handler)
    }

    pub fn put<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::PUT, MethodFilter::PUT, path, access, handler)
    }

    pub fn delete<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::DELETE, MethodFilter::DELETE, path, access, handler)
    }

    /// Every route added so far, for tests that walk them all.
    pub fn table(&self) -> &[RouteSpec] {
        &self.table
    }

    pub fn merge(mut self, other: ApiRoutes) -> Self {
        self.public = self.public.merge(other.public);
        self.protected = self.protected.merge(other.protected);
        self.table.extend(other.table);
        self
    }

    fn add<H, T>(mut self, method: Method, filter: MethodFilter, path: &'static str, access: Access, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.table.push(RouteSpec { method, path, access });
        let route = on(filter, handler);
        match access {
            // A share link's routes authenticate the link's token themselves.
            Access::Public | Access::ShareLink => self.public = self.public.route(path, route),
            Access::SignedIn => self.protected = self.protected.route(path, route),
            Access::Permission(permission) => {
                let check = from_fn(move |request: Request, next: Next| require(permission, request, next));
                self.protected = self.protected.route(path, route.route_layer(check));
            }
        }
        self
    }

    /// The routes as one router: protected ones behind authentication, all of them behind the
    /// cross-origin check. Also returns the route table.
    pub fn build(self, state: &AppState) -> (Router<AppState>, Vec<RouteSpec>) {
        let protected = self.protected.route_layer(from_fn_with_state(state.clone(), authenticate));
        let router = self.public.merge(protected).route_layer(from_fn(reject_cross_origin));
        (router, self.table)
    }
}

async fn require(permission: Permission, request: Request, next: Next) -> Result<Response, RelayError> {
    let principal = request.extensions().get::<Principal>().ok_or(RelayError::Unauthenticated)?;
    principal.require(permission)?;
    Ok(next.run(request).await)
}

/// Establishes the [`Principal`] from a bearer API key or a session cookie, or answers 401.
async fn authenticate(State(state): State<AppState>, mut request: Request, next: Next) -> Result<Response, RelayError> {
    let address = ClientAddress::of(request.extensions());
    let principal = if let Some(header) = request.headers().get(header::AUTHORIZATION) {
        let key = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")).ok_or(RelayError::Unauthenticated)?;
        crate::api_keys::authenticate(&state.meta, key.trim(), address).await?
    } else if let Some(session) = crate::auth::session_cookie(request.headers()) {
        crate::auth::authenticate_session(&state.meta, &session).await?
    } else {
        return Err(RelayError::Unauthenticated);
    };
    request.extensions_mut().insert(principal);
    Ok(next.run(request).await)
}

/// CSRF defence beside `SameSite=Strict` cookies: a state-changing request that a browser sent
/// from another origin is refused (OWASP CSRF cheat sheet, "Verifying Origin"). Requests with
/// an API key carry no ambient credential and are exempt. API keys in a URL are refused
/// outright: URLs end up in logs and histories.
async fn reject_cross_origin(request: Request, next: Next) -> Result<Response, RelayError> {
    if request.uri().query().is_some_and(|q| q.contains(vizkraft_domain::api::api_keys::API_KEY_PREFIX)) {
        return Err(RelayError::BadRequest(
            "API keys are accepted only in the Authorization header, never in a URL.".into(),
        ));
    }
    let unsafe_method = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let has_key = request.headers().contains_key(header::AUTHORIZATION);
    if unsafe_method && !has_key {
        let headers = request.headers();
        let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
        // HTTP/2 carries the host in the :authority pseudo-header, which lands in the URI.
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| request.uri().authority().map(|a| a.as_str()));
        let cookie_auth = crate::auth::session_cookie(headers).is_some();
        let same_origin = match (origin, host) {
            (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, authority)| authority == host),
            _ => false,
        };
        // Browsers send Origin on every POST/PUT/DELETE; its absence with a cookie is suspect.
        if (origin.is_some() || cookie_auth) && !same_origin {
            return Err(RelayError::CrossOrigin);
        }
    }
    Ok(next.run(request).await)
}
