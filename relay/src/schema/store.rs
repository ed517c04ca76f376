//! Schema snapshots in the metadata store: the latest catalog read of each source and what it
//! changed against the read before.

use anyhow::Context;
use sqlx::Row;
use vizkraft_domain::api::sources::{SchemaChanges, SourceId};
use vizkraft_domain::semantic::SchemaModel;

use crate::error::RelayError;
use crate::state::MetaStore;

/// The latest catalog read of a source.
pub struct Snapshot {
    pub model: SchemaModel,
    /// RFC 3339.
    pub indexed_at: String,
    /// What the last read that found a difference changed (empty until one does) …
    pub changes: SchemaChanges,
    /// … and when, as RFC 3339.
    pub changed_at: Option<String>,
}

/// What one catalog read found.
pub struct Reading {
    /// RFC 3339.
    pub indexed_at: String,
    /// Against the read before (nothing on a first read).
    pub changes: SchemaChanges,
}

/// Stores `model` as the source's snapshot and returns what changed since the previous one.
/// A read that finds nothing new keeps the last reported changes, so a scheduled read cannot
/// wipe a report before anyone has seen it.
pub async fn save_snapshot(meta: &MetaStore, source_id: &str, model: &SchemaModel) -> anyhow::Result<Reading> {
    let previous = load_snapshot(meta, &SourceId(source_id.to_owned())).await.ok();
    let changes = previous.map(|p| model.changes_since(&p.model)).unwrap_or_default();
    let indexed_at: String = sqlx::query_scalar(
        "INSERT INTO schema_snapshots (source_id, indexed_at, model, changes)
         VALUES (?1, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?2, ?3)
         ON CONFLICT (source_id) DO UPDATE SET indexed_at = excluded.indexed_at, model = excluded.model,
             changes = CASE WHEN ?4 THEN schema_snapshots.changes ELSE excluded.changes END,
             changed_at = CASE WHEN ?4 THEN schema_snapshots.changed_at ELSE excluded.indexed_at END
         RETURNING indexed_at",
    )
    .bind(source_id)
    .bind(serde_json::to_string(model)?)
    .bind(serde_json::to_string(&changes)?)
    .bind(changes.is_empty())
    .fetch_one(&meta.0)
    .await?;
    Ok(Reading { indexed_at, changes })
}

/// The source's latest snapshot.
pub async fn load_snapshot(meta: &MetaStore, source_id: &SourceId) -> Result<Snapshot, RelayError> {
    let row = sqlx::query("SELECT indexed_at, model, changes, changed_at FROM schema_snapshots WHERE source_id = ?")
        .bind(&source_id.0)
        .fetch_optional(&meta.0)
        .await?
        .ok_or(RelayError::NotFound("schema snapshot"))?;
    let model: String = row.try_get("model")?;
    let changes: String = row.try_get("changes")?;
    Ok(Snapshot {
        model: serde_json::from_str(&model).context("stored schema snapshot does not parse")?,
        indexed_at: row.try_get("indexed_at")?,
        changes: serde_json::from_str(&changes).context("stored schema changes do not parse")?,
        changed_at: row.try_get("changed_at")?,
    })
}
