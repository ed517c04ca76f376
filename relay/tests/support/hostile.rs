//! What the hostile-input suites (`hostile_sqlite.rs`, `hostile_network.rs`) expect of each case,
//! and how a reply is read as one of those outcomes.

use axum::http::StatusCode;
use vizkraft_domain::api::query::{ResultEnd, ResultFrame, Truncation};
use vizkraft_domain::{ApiError, ErrorCode};

/// The outcome a case must have. Anything else (above all, success in changing anything)
/// fails the test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// HTTP 400 `read_only_violation`: the guard refuses it before the database sees it.
    Refused,
    /// HTTP 400 `sql_syntax`: the guard cannot parse it, so nothing runs.
    Unparseable,
    /// HTTP 400 `bad_request`: longer than the relay accepts.
    TooLong,
    /// Admitted by the guard, stopped by the server's read-only transaction: an error frame
    /// `read_only_violation`.
    ServerRefuses,
    /// Admitted by the guard, stopped by the database: an error frame `query_failed`.
    Fails,
    /// Admitted, stopped by the statement timeout: an error frame `query_timeout`.
    TimesOut,
    /// Admitted, stopped by the row cap: an end frame saying the result was truncated.
    Capped,
    /// Admitted and harmless: it only reads and ends normally.
    Reads,
}

/// (name, SQL, expected outcome).
pub type Case = (&'static str, &'static str, Expect);

pub type Reply = Result<Vec<ResultFrame>, (StatusCode, ApiError)>;

/// What the relay answered, reduced to the part the expectations speak about.
pub fn outcome(reply: &Reply) -> Result<Expect, String> {
    use Expect::*;
    match reply {
        Err((StatusCode::BAD_REQUEST, e)) if e.code == ErrorCode::ReadOnlyViolation => Ok(Refused),
        Err((StatusCode::BAD_REQUEST, e)) if e.code == ErrorCode::SqlSyntax => Ok(Unparseable),
        Err((StatusCode::BAD_REQUEST, e)) if e.code == ErrorCode::BadRequest => Ok(TooLong),
        Err((status, e)) => Err(format!("HTTP {status} {:?}: {}", e.code, e.message)),
        Ok(frames) => match frames.last() {
            Some(ResultFrame::Error { error }) if error.code == ErrorCode::ReadOnlyViolation => Ok(ServerRefuses),
            Some(ResultFrame::Error { error }) if error.code == ErrorCode::QueryFailed => Ok(Fails),
            Some(ResultFrame::Error { error }) if error.code == ErrorCode::QueryTimeout => Ok(TimesOut),
            Some(ResultFrame::End(ResultEnd { truncated: Some(Truncation::RowCap), .. })) => Ok(Capped),
            Some(ResultFrame::End(ResultEnd { truncated: None, .. })) => Ok(Reads),
            other => Err(format!("unexpected last frame {other:?}")),
        },
    }
}
