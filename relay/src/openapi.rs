//! The OpenAPI document, generated from the handlers' annotations and the shared wire types.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::OpenApi;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vizkraft relay API",
        description = "Ask your database, get a chart. Query results are streamed and never stored."
    ),
    paths(
        crate::sources::list_sources,
        crate::sources::get_source_schema,
        crate::ask::ask_question,
        crate::query::run_query,
    )
)]
pub struct ApiDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(|| async { Json(ApiDoc::openapi()) }))
}
