//! The semantic model of a data source (built from catalog metadata only) and the offline,
//! deterministic compiler that turns a plain-language question into SQL over it.

mod compiler;
mod diff;
mod model;

pub use compiler::{compile, Answer, Clarification, CompileOutcome, Mapping};
pub use model::{Column, ColumnKind, Engine, ForeignKey, SchemaModel, Table, TableKind};
