//! Run: admit the SQL through the guard, run it in a read-only session, and stream the
//! result to the client as it is read. Rows pass through memory once and are never stored,
//! logged or cached.

mod batches;
mod compression;
mod network;
mod sqlite;

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use tokio::sync::mpsc;
use vizkraft_domain::api::auth::Permission;
use vizkraft_domain::api::query::{QueryRequest, ResultFrame, RESULT_STREAM_CONTENT_TYPE};
use vizkraft_domain::result::wire;
use vizkraft_domain::{guard, ApiError, ErrorCode};

pub use compression::ResultEncoding;

use crate::access::{Access, ApiRoutes, Principal};
use crate::config::QueryLimits;
use crate::error::{ApiJson, RelayError};
use crate::sources::{Source, SourceConnection, SourceRegistry};

/// Longest SQL text accepted (bytes).
const MAX_SQL_BYTES: usize = 100_000;
/// Frames in flight between the database reader and the socket. Small, so a slow client
/// slows the database read instead of growing a buffer.
const FRAMES_IN_FLIGHT: usize = 2;

pub fn routes() -> ApiRoutes {
    ApiRoutes::default().post("/query", Access::Permission(Permission::RunSql), run_query)
}

#[utoipa::path(post, path = "/api/v1/query", tag = "query", request_body = QueryRequest,
    responses(
        (status = 200, description = "The result stream (`vizkraft_domain::result::wire`): a columns frame, \
         columnar row batches, then an end frame (`ResultEnd`) or an error frame (`ApiError`). Sent with \
         `Content-Encoding: zstd` when the request accepts it.",
         content_type = "application/vnd.vizkraft.result.v1"),
        (status = 400, description = "The guard refused the SQL (`read_only_violation`, `sql_syntax`)", body = ApiError),
        (status = 404, body = ApiError)))]
pub async fn run_query(
    State(sources): State<Arc<SourceRegistry>>,
    State(limits): State<QueryLimits>,
    principal: Principal,
    encoding: ResultEncoding,
    ApiJson(request): ApiJson<QueryRequest>,
) -> Result<Response, RelayError> {
    if request.sql.len() > MAX_SQL_BYTES {
        return Err(RelayError::BadRequest(format!("SQL may have at most {MAX_SQL_BYTES} bytes.")));
    }
    let source = sources.get(&principal.organisation_id, &request.source_id).await?;
    stream_result(source, request.sql, Vec::new(), limits, encoding).await
}

/// A value bound to a `$n`/`?` placeholder: how dashboard filter values reach SQL, never as
/// text pasted into it. Redacted in `Debug`, as a value may come from the data.
#[derive(Clone, PartialEq)]
pub enum Param {
    Text(String),
    Number(f64),
}

impl std::fmt::Debug for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Param::Text(_) => "Text(‹redacted›)",
            Param::Number(_) => "Number(‹redacted›)",
        })
    }
}

/// Binds `params` to a prepared statement's query, in order.
fn bind_all<'q, DB: sqlx::Database>(
    mut query: sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>,
    params: &[Param],
) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
where
    String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    f64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    for param in params {
        query = match param {
            Param::Text(text) => query.bind(text.clone()),
            Param::Number(number) => query.bind(*number),
        };
    }
    query
}

/// Guards `sql`, then streams its result from `source`, with `params` bound to its placeholders.
pub async fn stream_result(
    source: Arc<Source>,
    sql: String,
    params: Vec<Param>,
    limits: QueryLimits,
    encoding: ResultEncoding,
) -> Result<Response, RelayError> {
    guard::check(&sql, source.engine())?;
    stream_guarded(source, sql, params, limits, encoding).await
}

/// Streams the result of `sql`, which the caller has already put through the guard (or, for
/// SQL with `$n` placeholders the guard refuses to read, its twin with `NULL` in their place).
pub(crate) async fn stream_guarded(
    source: Arc<Source>,
    sql: String,
    params: Vec<Param>,
    limits: QueryLimits,
    encoding: ResultEncoding,
) -> Result<Response, RelayError> {
    let (frames, receiver) = mpsc::channel(FRAMES_IN_FLIGHT);
    let frames = FrameSender(frames);
    match &source.connection {
        SourceConnection::Sqlite(pool) => {
            let connection = pool.acquire().await.map_err(|e| {
                tracing::warn!(source = %source.summary.id, error = %e, "cannot open source");
                let message = match e {
                    sqlx::Error::PoolTimedOut => "Every connection to this data source is busy; try again in a moment.",
                    _ => "The data source cannot be opened right now.",
                };
                RelayError::Query(ApiError::new(ErrorCode::SourceUnreachable, message))
            })?;
            tokio::spawn(sqlite::stream(connection, sql, params, limits, frames));
        }
        SourceConnection::Network(network) => {
            let lease = network.lease().await.map_err(|failure| {
                tracing::warn!(source = %source.summary.id, kind = ?failure.kind, "cannot open source");
                RelayError::Query(ApiError::new(ErrorCode::SourceUnreachable, failure.message))
            })?;
            tokio::spawn(network::stream(network.clone(), lease, sql, params, limits, frames));
        }
    }
    Ok(encoding.response(RESULT_STREAM_CONTENT_TYPE, receiver))
}

/// Why a result stream ended early.
enum Failure {
    ClientGone,
    /// The relay's own watchdog, for a server that let the statement timeout pass.
    TimedOut,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Failure {
    fn from(e: sqlx::Error) -> Self {
        Failure::Database(e)
    }
}

impl From<ClientGone> for Failure {
    fn from(_: ClientGone) -> Self {
        Failure::ClientGone
    }
}

/// The producer side of a result stream. Sending fails once the client has gone, which is
/// how the reader learns to stop.
#[derive(Clone)]
pub struct FrameSender(mpsc::Sender<Bytes>);

/// The client went away; stop reading.
#[derive(Debug)]
pub struct ClientGone;

impl FrameSender {
    pub async fn send(&self, frame: &ResultFrame) -> Result<(), ClientGone> {
        let mut bytes = Vec::new();
        wire::encode_frame(frame, &mut bytes);
        self.0.send(Bytes::from(bytes)).await.map_err(|_| ClientGone)
    }

    pub fn is_closed(&self) -> bool {
        self.0.is_closed()
    }

    /// Resolves once the client has gone.
    pub async fn closed(&self) {
        self.0.closed().await
    }
}
