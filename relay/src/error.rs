//! The one error type of the relay's request paths. It is also the HTTP response: client
//! errors carry a stable code and a message; internal errors are logged and the client gets
//! a generic message.

use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use vizkraft_domain::guard::GuardError;
use vizkraft_domain::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("sign in first")]
    Unauthenticated,
    /// Wrong e-mail or password; deliberately the same whichever it was.
    #[error("sign-in failed")]
    SignInFailed,
    #[error("your role does not allow this")]
    Forbidden,
    #[error("cross-origin request refused")]
    CrossOrigin,
    #[error("too many attempts")]
    RateLimited { retry_after_secs: u64 },
    #[error("{0}")]
    Conflict(String),
    /// A link or token that is unknown, used, revoked or expired; which one is not said.
    #[error("{0}")]
    TokenInvalid(&'static str),
    #[error(transparent)]
    Guard(#[from] GuardError),
    /// A database message, shown to the user who ran the query and never logged.
    #[error("{0}")]
    Query(ApiError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl RelayError {
    pub fn to_api_error(&self) -> ApiError {
        match self {
            RelayError::BadRequest(m) => ApiError::new(ErrorCode::BadRequest, m.clone()),
            RelayError::NotFound(what) => ApiError::new(ErrorCode::NotFound, format!("{what} not found")),
            RelayError::Unauthenticated => ApiError::new(ErrorCode::Unauthenticated, "Sign in first."),
            RelayError::SignInFailed => {
                ApiError::new(ErrorCode::Unauthenticated, "The e-mail or the password is wrong.")
            }
            RelayError::Forbidden => {
                ApiError::new(ErrorCode::Forbidden, "Your role in this organisation does not allow this.")
            }
            RelayError::CrossOrigin => {
                ApiError::new(ErrorCode::CrossOrigin, "Refused: the request did not come from this site.")
            }
            RelayError::RateLimited { retry_after_secs } => ApiError::new(
                ErrorCode::RateLimited,
                format!("Too many attempts. Try again in {retry_after_secs} seconds."),
            ),
            RelayError::Conflict(m) => ApiError::new(ErrorCode::Conflict, m.clone()),
            RelayError::TokenInvalid(m) => ApiError::new(ErrorCode::TokenInvalid, *m),
            RelayError::Guard(g) => g.clone().into(),
            RelayError::Query(e) => e.clone(),
            RelayError::Internal(_) => {
                ApiError::new(ErrorCode::Internal, "Something went wrong inside the relay; its log has details.")
            }
        }
    }
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::BadRequest | ErrorCode::SqlSyntax | ErrorCode::ReadOnlyViolation => StatusCode::BAD_REQUEST,
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorCode::Forbidden | ErrorCode::CrossOrigin => StatusCode::FORBIDDEN,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::Conflict => StatusCode::CONFLICT,
        ErrorCode::TokenInvalid => StatusCode::GONE,
        ErrorCode::QueryFailed | ErrorCode::ConnectionFailed => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::QueryTimeout => StatusCode::GATEWAY_TIMEOUT,
        ErrorCode::SourceUnreachable => StatusCode::BAD_GATEWAY,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        if let RelayError::Internal(e) = &self {
            // `{:#}` prints the context chain; internal errors never wrap result values.
            tracing::error!(error = format!("{e:#}"), "internal error");
        }
        let body = self.to_api_error();
        let mut response = (status_of(body.code), Json(body)).into_response();
        if let RelayError::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, retry_after_secs.into());
        }
        response
    }
}

impl From<JsonRejection> for RelayError {
    fn from(rejection: JsonRejection) -> Self {
        RelayError::BadRequest(format!("Invalid request body: {}", rejection.body_text()))
    }
}

impl From<sqlx::Error> for RelayError {
    fn from(e: sqlx::Error) -> Self {
        RelayError::Internal(e.into())
    }
}

/// `Json` that answers a malformed body with our error shape instead of axum's plain text.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(RelayError))]
pub struct ApiJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for ApiJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}
