//! Question → SQL, offline and deterministic. (Implementation in progress.)

use serde::{Deserialize, Serialize};

use crate::chart::ChartSpec;
use crate::semantic::SchemaModel;

/// One step of the explanation: which words of the question mapped to what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mapping {
    /// The words as the user typed them.
    pub phrase: String,
    /// What they became, e.g. `SUM("orders"."total_amount")` or `group by month of "orders"."order_date"`.
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    /// A single read-only SELECT in the source's dialect.
    pub sql: String,
    /// The chart the question asks for (a time bucket → line, a grouping → bar …).
    pub chart: ChartSpec,
    pub explanation: Vec<Mapping>,
}

/// Returned instead of a guess when words do not map or map to several things.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clarification {
    pub message: String,
    /// Words of the question the compiler could not place.
    pub unknown_words: Vec<String>,
    /// Columns (`table.column`) the user may have meant.
    pub candidates: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CompileOutcome {
    Answer(Answer),
    Clarify(Clarification),
}

/// Compiles a question against a source's semantic model.
pub fn compile(question: &str, model: &SchemaModel) -> CompileOutcome {
    let _ = model;
    CompileOutcome::Clarify(Clarification {
        message: format!("I could not understand \"{question}\" yet."),
        unknown_words: Vec::new(),
        candidates: Vec::new(),
    })
}
