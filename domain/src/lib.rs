//! Everything the relay and the browser app must agree on, free of I/O so it builds for
//! `wasm32-unknown-unknown` and the host alike.

pub mod api;
pub mod chart;
pub mod error;
pub mod guard;
pub mod layout;
pub mod result;
pub mod semantic;

pub use error::{ApiError, ErrorCode};
