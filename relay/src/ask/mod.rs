//! Ask: compile a question against the source's semantic model. Nothing is run here.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use vizkraft_domain::api::ask::{AskRequest, AskResponse};
use vizkraft_domain::semantic::compile;

use crate::error::{ApiJson, RelayError};
use crate::sources::{model_of, SourceRegistry};
use crate::state::{AppState, MetaStore};

/// Longest question accepted; a question is a sentence, not a document.
const MAX_QUESTION_CHARS: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new().route("/ask", post(ask_question))
}

#[utoipa::path(post, path = "/api/v1/ask", tag = "ask", request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 400, body = vizkraft_domain::ApiError),
              (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn ask_question(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    ApiJson(request): ApiJson<AskRequest>,
) -> Result<ApiJson<AskResponse>, RelayError> {
    let question = request.question.trim();
    if question.is_empty() {
        return Err(RelayError::BadRequest("Type a question first.".into()));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(RelayError::BadRequest(format!("A question may have at most {MAX_QUESTION_CHARS} characters.")));
    }
    let source = sources.get(&request.source_id)?;
    let model = model_of(&meta, source).await?;
    Ok(ApiJson(AskResponse { outcome: compile(question, &model) }))
}
