//! Ask: compile a question against the source's semantic model. Nothing is run here.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use vizkraft_domain::api::ask::{AskRequest, AskResponse};
use vizkraft_domain::api::auth::Permission;
use vizkraft_domain::semantic::{compile, CompileOutcome};

use crate::access::{Access, ApiRoutes, Principal};
use crate::config::QueryLimits;
use crate::error::{ApiJson, RelayError};
use crate::sources::{model_of, SourceRegistry};
use crate::state::MetaStore;

/// Longest question accepted; a question is a sentence, not a document.
const MAX_QUESTION_CHARS: usize = 500;

pub fn routes() -> ApiRoutes {
    let ask = Access::Permission(Permission::Ask);
    ApiRoutes::default().post("/ask", ask, ask_question).post("/ask/run", ask, run_question)
}

#[utoipa::path(post, path = "/api/v1/ask", tag = "ask", request_body = AskRequest,
    responses((status = 200, body = AskResponse), (status = 400, body = vizkraft_domain::ApiError),
              (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn ask_question(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    principal: Principal,
    ApiJson(request): ApiJson<AskRequest>,
) -> Result<ApiJson<AskResponse>, RelayError> {
    let outcome = compile_question(&sources, &meta, &principal, &request).await?;
    Ok(ApiJson(AskResponse { outcome }))
}

/// Compiles the question and runs the compiler's SQL: how a role that may ask, but not
/// write SQL, gets its chart. The SQL is the relay's own, never the client's.
#[utoipa::path(post, path = "/api/v1/ask/run", tag = "ask", request_body = AskRequest,
    responses((status = 200, description = "The result stream, as for /api/v1/query", content_type = "application/vnd.vizkraft.result.v1"),
              (status = 400, body = vizkraft_domain::ApiError)))]
pub async fn run_question(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    State(limits): State<QueryLimits>,
    principal: Principal,
    encoding: crate::query::ResultEncoding,
    ApiJson(request): ApiJson<AskRequest>,
) -> Result<Response, RelayError> {
    match compile_question(&sources, &meta, &principal, &request).await? {
        CompileOutcome::Answer(answer) => {
            let source = sources.get(&principal.organisation_id, &request.source_id).await?;
            crate::query::stream_result(source, answer.sql, Vec::new(), limits, encoding).await
        }
        CompileOutcome::Clarify(c) => Err(RelayError::BadRequest(c.message)),
    }
}

async fn compile_question(
    sources: &SourceRegistry,
    meta: &MetaStore,
    principal: &Principal,
    request: &AskRequest,
) -> Result<CompileOutcome, RelayError> {
    let question = request.question.trim();
    if question.is_empty() {
        return Err(RelayError::BadRequest("Type a question first.".into()));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(RelayError::BadRequest(format!("A question may have at most {MAX_QUESTION_CHARS} characters.")));
    }
    let source = sources.get(&principal.organisation_id, &request.source_id).await?;
    let model = model_of(meta, &source).await?;
    Ok(compile(question, &model))
}
