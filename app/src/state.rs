//! Typed page state: the loading state of fetched data and the live result of a query run.
//! Results live in signals only, in this tab's memory; nothing here touches browser storage.

use leptos::prelude::*;
use vizkraft_domain::api::query::{Cell, ResultColumn, ResultFrame, Truncation};

use crate::api::ClientError;

/// Data fetched from the relay, with its loading and failure states kept visible.
#[derive(Debug, Clone, PartialEq)]
pub enum Remote<T> {
    Loading,
    Ready(T),
    Failed(ClientError),
}

impl<T> From<Result<T, ClientError>> for Remote<T> {
    fn from(result: Result<T, ClientError>) -> Self {
        match result {
            Ok(value) => Remote::Ready(value),
            Err(error) => Remote::Failed(error),
        }
    }
}

/// Where a query run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum RunStatus {
    Idle,
    /// Frames are arriving; `started_at_ms` is `Date.now()` when the run began.
    Running {
        started_at_ms: f64,
    },
    /// The relay's `End` frame: its own count and timing, and which cap cut it short, if any.
    Finished {
        row_count: u64,
        elapsed_ms: u64,
        truncated: Option<Truncation>,
        row_cap: u64,
    },
    Failed(ClientError),
    Cancelled {
        elapsed_ms: f64,
    },
}

/// One query run's result as it streams in. Copyable handles, so closures and components can
/// share it; `generation` tells a late frame of an older run from one of the current run.
#[derive(Clone, Copy)]
pub struct LiveResult {
    pub generation: RwSignal<u64>,
    /// The SQL this result came from, to tell whether it is still the compiler's.
    pub sql: RwSignal<String>,
    pub columns: RwSignal<Vec<ResultColumn>>,
    pub rows: RwSignal<Vec<Vec<Cell>>>,
    pub status: RwSignal<RunStatus>,
}

impl Default for LiveResult {
    fn default() -> Self {
        Self::new()
    }
}

impl LiveResult {
    pub fn new() -> Self {
        LiveResult {
            generation: RwSignal::new(0),
            sql: RwSignal::new(String::new()),
            columns: RwSignal::new(Vec::new()),
            rows: RwSignal::new(Vec::new()),
            status: RwSignal::new(RunStatus::Idle),
        }
    }

    /// Forgets the previous result and begins a new run; returns the run's generation.
    pub fn start(&self, sql: String, now_ms: f64) -> u64 {
        let generation = self.generation.get_untracked() + 1;
        self.generation.set(generation);
        self.sql.set(sql);
        self.columns.set(Vec::new());
        self.rows.set(Vec::new());
        self.status.set(RunStatus::Running { started_at_ms: now_ms });
        generation
    }

    /// Drops the result entirely (a new question, another source).
    pub fn clear(&self) {
        self.generation.update(|g| *g += 1);
        self.sql.set(String::new());
        self.columns.set(Vec::new());
        self.rows.set(Vec::new());
        self.status.set(RunStatus::Idle);
    }

    pub fn is_current(&self, generation: u64) -> bool {
        self.generation.get_untracked() == generation
    }

    /// Applies one frame of run `generation`; frames of a superseded run are dropped.
    pub fn apply(&self, generation: u64, frame: ResultFrame) {
        if !self.is_current(generation) {
            return;
        }
        match frame {
            ResultFrame::Columns { columns } => self.columns.set(columns),
            ResultFrame::Rows { rows } => self.rows.update(|all| all.extend(rows)),
            ResultFrame::End { row_count, elapsed_ms, truncated, row_cap, timeout_ms: _ } => {
                self.status.set(RunStatus::Finished { row_count, elapsed_ms, truncated, row_cap })
            }
            ResultFrame::Error { error } => self.status.set(RunStatus::Failed(ClientError::Api(error))),
        }
    }

    /// Records how run `generation` failed, unless a newer run replaced it or it already ended.
    pub fn fail(&self, generation: u64, error: ClientError, now_ms: f64) {
        if !self.is_current(generation) {
            return;
        }
        let started = match self.status.get_untracked() {
            RunStatus::Running { started_at_ms } => started_at_ms,
            // An `Error` frame already said why; the closing connection adds nothing.
            _ => return,
        };
        let status = match error {
            ClientError::Cancelled => RunStatus::Cancelled { elapsed_ms: now_ms - started },
            error => RunStatus::Failed(error),
        };
        self.status.set(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vizkraft_domain::semantic::ColumnKind;
    use vizkraft_domain::{ApiError, ErrorCode};

    fn end(row_count: u64, truncated: Option<Truncation>) -> ResultFrame {
        ResultFrame::End { row_count, elapsed_ms: 12, truncated, row_cap: 2, timeout_ms: 30_000 }
    }

    #[test]
    fn frames_fill_the_result_and_end_finishes_it() {
        let result = LiveResult::new();
        let run = result.start("select 1".into(), 0.0);
        result.apply(
            run,
            ResultFrame::Columns { columns: vec![ResultColumn { name: "n".into(), kind: ColumnKind::Integer }] },
        );
        result.apply(run, ResultFrame::Rows { rows: vec![vec![Cell::Int(1)]] });
        result.apply(run, ResultFrame::Rows { rows: vec![vec![Cell::Int(2)]] });
        result.apply(run, end(2, Some(Truncation::RowCap)));
        assert_eq!(result.rows.with_untracked(Vec::len), 2);
        assert_eq!(
            result.status.get_untracked(),
            RunStatus::Finished { row_count: 2, elapsed_ms: 12, truncated: Some(Truncation::RowCap), row_cap: 2 }
        );
    }

    #[test]
    fn frames_of_a_replaced_run_are_dropped() {
        let result = LiveResult::new();
        let old = result.start("select 1".into(), 0.0);
        let new = result.start("select 2".into(), 0.0);
        result.apply(old, ResultFrame::Rows { rows: vec![vec![Cell::Int(1)]] });
        result.fail(old, ClientError::Cancelled, 5.0);
        assert_eq!(result.rows.with_untracked(Vec::len), 0);
        assert!(result.is_current(new));
        assert_eq!(result.status.get_untracked(), RunStatus::Running { started_at_ms: 0.0 });
    }

    #[test]
    fn cancelling_is_not_an_error_and_an_error_frame_is_not_overwritten() {
        let result = LiveResult::new();
        let run = result.start("select 1".into(), 100.0);
        result.fail(run, ClientError::Cancelled, 350.0);
        assert_eq!(result.status.get_untracked(), RunStatus::Cancelled { elapsed_ms: 250.0 });

        let run = result.start("select 1".into(), 0.0);
        let timeout = ApiError::new(ErrorCode::QueryTimeout, "too slow");
        result.apply(run, ResultFrame::Error { error: timeout.clone() });
        result.fail(run, ClientError::Incomplete, 1.0);
        assert_eq!(result.status.get_untracked(), RunStatus::Failed(ClientError::Api(timeout)));
    }
}
