//! Re-reading a source's catalog, on demand and on a schedule, and keeping what changed.

use std::sync::Arc;
use std::time::Duration;

use vizkraft_domain::api::sources::{ConnectionFailure, ConnectionFailureKind as Kind};

use super::tls_bridge::failure;
use super::{network, Source, SourceConnection, SourceRegistry};
use crate::schema::{self, Reading};
use crate::state::MetaStore;

/// Reads the source's catalog again and stores it with the changes since the last read.
pub async fn refresh(meta: &MetaStore, source: &Source) -> Result<Reading, ConnectionFailure> {
    let model = match &source.connection {
        SourceConnection::Sqlite(pool) => schema::index_sqlite(pool).await.map_err(|e| network::classify(&e))?,
        SourceConnection::Network(network) => {
            let mut lease = network.lease().await?;
            let model = schema::index_session(lease.session()).await.map_err(|e| network::classify(&e))?;
            lease.release();
            model
        }
    };
    schema::save_snapshot(meta, &source.summary.id.0, &model).await.map_err(|e| {
        tracing::error!(source = %source.summary.id, error = format!("{e:#}"), "cannot store a schema snapshot");
        failure(Kind::Other, "The new catalog could not be stored; the relay's log says why.")
    })
}

/// Every `every`, re-reads every source's catalog. Logs source ids and change counts only.
pub async fn refresh_on_schedule(registry: Arc<SourceRegistry>, meta: MetaStore, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.tick().await; // the first tick is immediate; sources were just indexed
    loop {
        tick.tick().await;
        for source in registry.all().await {
            match refresh(&meta, &source).await {
                Ok(reading) if !reading.changes.is_empty() => tracing::info!(
                    source = %source.summary.id,
                    added = reading.changes.added_tables.len(),
                    removed = reading.changes.removed_tables.len(),
                    changed = reading.changes.changed_tables.len(),
                    "schema changed"
                ),
                Ok(_) => tracing::debug!(source = %source.summary.id, "schema unchanged"),
                Err(e) => {
                    tracing::warn!(source = %source.summary.id, kind = ?e.kind, "scheduled schema refresh failed")
                }
            }
        }
    }
}
