//! Schema snapshots in the metadata store.

use anyhow::Context;
use sqlx::Row;
use vizkraft_domain::api::sources::SourceId;
use vizkraft_domain::semantic::SchemaModel;

use crate::error::RelayError;
use crate::state::MetaStore;

pub async fn save_snapshot(meta: &MetaStore, source_id: &str, model: &SchemaModel) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO schema_snapshots (source_id, indexed_at, model)
         VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?)
         ON CONFLICT (source_id) DO UPDATE SET indexed_at = excluded.indexed_at, model = excluded.model",
    )
    .bind(source_id)
    .bind(serde_json::to_string(model)?)
    .execute(&meta.0)
    .await?;
    Ok(())
}

/// The source's latest model and when it was indexed (RFC 3339).
pub async fn load_snapshot(meta: &MetaStore, source_id: &SourceId) -> Result<(SchemaModel, String), RelayError> {
    let row = sqlx::query("SELECT indexed_at, model FROM schema_snapshots WHERE source_id = ?")
        .bind(&source_id.0)
        .fetch_optional(&meta.0)
        .await?
        .ok_or(RelayError::NotFound("schema snapshot"))?;
    let model: String = row.try_get("model")?;
    let model = serde_json::from_str(&model).context("stored schema snapshot does not parse")?;
    Ok((model, row.try_get("indexed_at")?))
}
