//! What every handler can reach, split into substates so a handler asks only for what it uses.

use std::sync::Arc;

use axum::extract::FromRef;
use sqlx::SqlitePool;

use crate::auth::LoginThrottle;
use crate::config::QueryLimits;
use crate::sources::SourceRegistry;
use crate::vault::Vault;

#[derive(Clone)]
pub struct AppState {
    /// The relay's own metadata store; never holds query results.
    pub meta: MetaStore,
    pub sources: Arc<SourceRegistry>,
    pub limits: QueryLimits,
    pub throttle: Arc<LoginThrottle>,
    /// Seals and opens data-source credentials; holds the master key.
    pub vault: Arc<Vault>,
}

#[derive(Clone)]
pub struct MetaStore(pub SqlitePool);

impl FromRef<AppState> for MetaStore {
    fn from_ref(state: &AppState) -> Self {
        state.meta.clone()
    }
}

impl FromRef<AppState> for Arc<SourceRegistry> {
    fn from_ref(state: &AppState) -> Self {
        state.sources.clone()
    }
}

impl FromRef<AppState> for QueryLimits {
    fn from_ref(state: &AppState) -> Self {
        state.limits
    }
}

impl FromRef<AppState> for Arc<Vault> {
    fn from_ref(state: &AppState) -> Self {
        state.vault.clone()
    }
}
