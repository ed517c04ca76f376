//! Typed page state: the loading state of fetched data and the live result of a query run.
//! Results live in signals only, in this tab's memory; nothing here touches browser storage.

use leptos::prelude::*;
use vizkraft_domain::api::query::{ResultColumn, ResultEnd, ResultFrame, Truncation};
use vizkraft_domain::result::ResultData;

use crate::api::{Abort, ClientError, Flow, StreamEvent};

/// Most bytes of values one result may hold in this tab. Past it the app stops reading, the
/// relay cancels the query, and the user is told; a tab that runs out of memory loses more.
pub const RESULT_MEMORY_BUDGET: usize = 256 << 20;

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
    pub data: RwSignal<ResultData>,
    /// Bytes of the result stream received, for the progress line.
    pub bytes: RwSignal<u64>,
    pub status: RwSignal<RunStatus>,
    budget: usize,
}

impl Default for LiveResult {
    fn default() -> Self {
        Self::new()
    }
}

/// The request of a result in flight, aborted when a new run replaces it and when its owner
/// goes away, so nothing keeps streaming for a view nobody sees.
#[derive(Clone, Copy)]
pub struct RunSlot(StoredValue<Option<Abort>, LocalStorage>);

impl Default for RunSlot {
    fn default() -> Self {
        Self::new()
    }
}

impl RunSlot {
    /// A slot that aborts its request when the current reactive owner is cleaned up.
    pub fn new() -> Self {
        let slot = RunSlot(StoredValue::new_local(None));
        on_cleanup(move || slot.stop());
        slot
    }

    pub fn stop(&self) {
        if let Some(Some(abort)) = self.0.try_update_value(Option::take) {
            abort.abort();
        }
    }

    /// Stops the request held, and holds `abort`'s instead.
    pub fn hold(&self, abort: Abort) {
        self.stop();
        self.0.set_value(Some(abort));
    }
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl LiveResult {
    /// Starts a run of `sql` in this result: the request in `slot` is aborted, and `call`
    /// streams the new one with the abort handle and the handler that fills this result.
    pub fn run<Fut>(
        self,
        slot: RunSlot,
        sql: String,
        call: impl FnOnce(Abort, Box<dyn FnMut(StreamEvent) -> Flow>) -> Fut,
    ) where
        Fut: std::future::Future<Output = Result<(), ClientError>> + 'static,
    {
        slot.stop();
        let generation = self.start(sql, now_ms());
        let abort = match Abort::new() {
            Ok(abort) => abort,
            Err(error) => return self.fail(generation, error, now_ms()),
        };
        slot.hold(abort.clone());
        let streamed = call(abort, Box::new(move |event| self.apply(generation, event, now_ms())));
        leptos::task::spawn_local(async move {
            if let Err(error) = streamed.await {
                self.fail(generation, error, now_ms());
            }
        });
    }

    pub fn new() -> Self {
        Self::with_budget(RESULT_MEMORY_BUDGET)
    }

    /// A result that holds at most `budget` bytes of values.
    pub fn with_budget(budget: usize) -> Self {
        LiveResult {
            generation: RwSignal::new(0),
            sql: RwSignal::new(String::new()),
            columns: RwSignal::new(Vec::new()),
            data: RwSignal::new(ResultData::default()),
            bytes: RwSignal::new(0),
            status: RwSignal::new(RunStatus::Idle),
            budget,
        }
    }

    /// Forgets the previous result and begins a new run; returns the run's generation.
    pub fn start(&self, sql: String, now_ms: f64) -> u64 {
        let generation = self.generation.get_untracked() + 1;
        self.generation.set(generation);
        self.sql.set(sql);
        self.columns.set(Vec::new());
        self.data.set(ResultData::default());
        self.bytes.set(0);
        self.status.set(RunStatus::Running { started_at_ms: now_ms });
        generation
    }

    /// Drops the result entirely (a new question, another source).
    pub fn clear(&self) {
        self.generation.update(|g| *g += 1);
        self.sql.set(String::new());
        self.columns.set(Vec::new());
        self.data.set(ResultData::default());
        self.bytes.set(0);
        self.status.set(RunStatus::Idle);
    }

    pub fn is_current(&self, generation: u64) -> bool {
        self.generation.get_untracked() == generation
    }

    /// Applies one event of run `generation`; events of a superseded run are dropped (and stop
    /// its stream). `now_ms` times a stop at the memory budget.
    pub fn apply(&self, generation: u64, event: StreamEvent, now_ms: f64) -> Flow {
        if !self.is_current(generation) {
            return Flow::Stop;
        }
        match event {
            StreamEvent::Bytes(bytes) => self.bytes.set(bytes),
            StreamEvent::Frame(ResultFrame::Columns { columns }) => self.columns.set(columns),
            StreamEvent::Frame(ResultFrame::Batch { batch }) => {
                if self.data.with_untracked(ResultData::heap_bytes) + batch.heap_bytes() > self.budget {
                    self.stop_at_budget(now_ms);
                    return Flow::Stop;
                }
                self.data.update(|data| data.push(batch));
            }
            StreamEvent::Frame(ResultFrame::End(ResultEnd { row_count, elapsed_ms, truncated, row_cap, .. })) => {
                self.status.set(RunStatus::Finished { row_count, elapsed_ms, truncated, row_cap })
            }
            StreamEvent::Frame(ResultFrame::Error { error }) => {
                self.status.set(RunStatus::Failed(ClientError::Api(error)))
            }
        }
        Flow::Continue
    }

    fn stop_at_budget(&self, now_ms: f64) {
        let RunStatus::Running { started_at_ms } = self.status.get_untracked() else { return };
        self.status.set(RunStatus::Finished {
            row_count: self.data.with_untracked(ResultData::len) as u64,
            elapsed_ms: (now_ms - started_at_ms).max(0.0) as u64,
            truncated: Some(Truncation::BrowserMemory),
            row_cap: 0,
        });
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
    use vizkraft_domain::api::query::Cell;
    use vizkraft_domain::result::BatchBuilder;
    use vizkraft_domain::semantic::ColumnKind;
    use vizkraft_domain::{ApiError, ErrorCode};

    fn end(row_count: u64, truncated: Option<Truncation>) -> StreamEvent {
        StreamEvent::Frame(ResultFrame::End(ResultEnd {
            row_count,
            elapsed_ms: 12,
            truncated,
            row_cap: 2,
            timeout_ms: 30_000,
        }))
    }

    fn batch(values: &[i64]) -> StreamEvent {
        let mut builder = BatchBuilder::new(1);
        for &v in values {
            builder.push_row([Cell::Int(v)]);
        }
        StreamEvent::Frame(ResultFrame::Batch { batch: builder.take() })
    }

    fn columns() -> StreamEvent {
        StreamEvent::Frame(ResultFrame::Columns {
            columns: vec![ResultColumn { name: "n".into(), kind: ColumnKind::Integer }],
        })
    }

    #[test]
    fn frames_fill_the_result_and_end_finishes_it() {
        let result = LiveResult::new();
        let run = result.start("select 1".into(), 0.0);
        assert_eq!(result.apply(run, columns(), 0.0), Flow::Continue);
        result.apply(run, batch(&[1]), 0.0);
        result.apply(run, batch(&[2]), 0.0);
        result.apply(run, StreamEvent::Bytes(99), 0.0);
        result.apply(run, end(2, Some(Truncation::RowCap)), 0.0);
        assert_eq!(result.data.with_untracked(ResultData::len), 2);
        assert_eq!(result.data.with_untracked(|d| d.cell(1, 0)), Cell::Int(2));
        assert_eq!(result.bytes.get_untracked(), 99);
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
        assert_eq!(result.apply(old, batch(&[1]), 0.0), Flow::Stop);
        result.fail(old, ClientError::Cancelled, 5.0);
        assert_eq!(result.data.with_untracked(ResultData::len), 0);
        assert!(result.is_current(new));
        assert_eq!(result.status.get_untracked(), RunStatus::Running { started_at_ms: 0.0 });
    }

    #[test]
    fn the_memory_budget_stops_the_stream_and_says_so() {
        // Each batch of 4 integers holds 32 bytes; the budget takes two.
        let result = LiveResult::with_budget(70);
        let run = result.start("select n".into(), 100.0);
        result.apply(run, columns(), 100.0);
        assert_eq!(result.apply(run, batch(&[1, 2, 3, 4]), 110.0), Flow::Continue);
        assert_eq!(result.apply(run, batch(&[5, 6, 7, 8]), 120.0), Flow::Continue);
        assert_eq!(result.apply(run, batch(&[9, 10, 11, 12]), 130.0), Flow::Stop);
        assert_eq!(result.data.with_untracked(ResultData::len), 8);
        assert_eq!(
            result.status.get_untracked(),
            RunStatus::Finished {
                row_count: 8,
                elapsed_ms: 30,
                truncated: Some(Truncation::BrowserMemory),
                row_cap: 0
            }
        );
    }

    #[test]
    fn cancelling_is_not_an_error_and_an_error_frame_is_not_overwritten() {
        let result = LiveResult::new();
        let run = result.start("select 1".into(), 100.0);
        result.fail(run, ClientError::Cancelled, 350.0);
        assert_eq!(result.status.get_untracked(), RunStatus::Cancelled { elapsed_ms: 250.0 });

        let run = result.start("select 1".into(), 0.0);
        let timeout = ApiError::new(ErrorCode::QueryTimeout, "too slow");
        result.apply(run, StreamEvent::Frame(ResultFrame::Error { error: timeout.clone() }), 0.0);
        result.fail(run, ClientError::Incomplete, 1.0);
        assert_eq!(result.status.get_untracked(), RunStatus::Failed(ClientError::Api(timeout)));
    }
}
