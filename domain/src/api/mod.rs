//! Request and response bodies of the relay's HTTP API, one module per relay feature.

pub mod api_keys;
pub mod ask;
pub mod audit;
pub mod auth;
pub mod charts;
pub mod dashboards;
pub mod members;
pub mod query;
pub mod sources;

/// Prefix of every versioned API route.
pub const API_PREFIX: &str = "/api/v1";
