//! Data sources: the registry of open read-only connections, and the routes that list
//! sources and serve each one's schema.

mod examples;
mod sqlite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{Path as UrlPath, State};
use tokio::sync::RwLock;
use vizkraft_domain::api::auth::Permission;
use vizkraft_domain::api::sources::{ListSourcesResponse, SourceId, SourceSchemaResponse, SourceSummary};
use vizkraft_domain::semantic::{Engine, SchemaModel};

use crate::access::{Access, ApiRoutes, Principal};
use crate::error::{ApiJson, RelayError};
use crate::schema;
use crate::state::MetaStore;

pub use sqlite::open_read_only;

/// Concurrent queries per source; more wait for a free connection.
pub const MAX_CONNECTIONS_PER_SOURCE: u32 = 4;

/// Id of the embedded demo database.
pub const DEMO_SOURCE_ID: &str = "demo";

pub fn routes() -> ApiRoutes {
    let view = Access::Permission(Permission::ViewSources);
    ApiRoutes::default().get("/sources", view, list_sources).get("/sources/{id}/schema", view, get_source_schema)
}

/// One queryable source: its public summary, the organisation it belongs to, and its pool.
pub struct Source {
    pub summary: SourceSummary,
    /// `None` until the first organisation exists; such a source is visible to nobody.
    pub organisation_id: Option<String>,
    pub pool: sqlx::SqlitePool,
}

impl Source {
    pub fn engine(&self) -> Engine {
        self.summary.engine
    }
}

/// Sources by id, opened at start.
#[derive(Default)]
pub struct SourceRegistry {
    sources: RwLock<BTreeMap<SourceId, Arc<Source>>>,
}

impl SourceRegistry {
    /// The source if it belongs to `organisation_id`; another organisation's source is
    /// "not found", exactly like a missing one.
    pub async fn get(&self, organisation_id: &str, id: &SourceId) -> Result<Arc<Source>, RelayError> {
        let sources = self.sources.read().await;
        sources
            .get(id)
            .filter(|s| s.organisation_id.as_deref() == Some(organisation_id))
            .cloned()
            .ok_or(RelayError::NotFound("source"))
    }

    pub async fn summaries(&self, organisation_id: &str) -> Vec<SourceSummary> {
        let sources = self.sources.read().await;
        sources
            .values()
            .filter(|s| s.organisation_id.as_deref() == Some(organisation_id))
            .map(|s| s.summary.clone())
            .collect()
    }

    /// Gives every source without an organisation to `organisation_id` (the first one, at set-up).
    pub async fn claim_unowned(&self, organisation_id: &str) {
        let mut sources = self.sources.write().await;
        for source in sources.values_mut() {
            if source.organisation_id.is_none() {
                let claimed = Source {
                    summary: source.summary.clone(),
                    organisation_id: Some(organisation_id.to_owned()),
                    pool: source.pool.clone(),
                };
                *source = Arc::new(claimed);
            }
        }
    }

    /// Registers (or re-registers) a SQLite file as a source, indexes its catalog and keeps
    /// the snapshot in the metadata store.
    pub async fn add_sqlite(
        &self,
        meta: &MetaStore,
        id: &str,
        name: &str,
        path: &Path,
        examples: Option<Vec<String>>,
    ) -> anyhow::Result<()> {
        let path = path.canonicalize().with_context(|| format!("cannot open SQLite source {}", path.display()))?;
        let pool =
            open_read_only(&path).await.with_context(|| format!("cannot open SQLite source {}", path.display()))?;
        let model = schema::index_sqlite(&pool)
            .await
            .with_context(|| format!("cannot read the catalog of {}", path.display()))?;
        let organisation_id = upsert_source(meta, id, name, Engine::Sqlite, &path).await?;
        schema::save_snapshot(meta, id, &model).await?;
        let example_questions = examples.unwrap_or_else(|| examples::suggest(&model));
        let summary = SourceSummary {
            id: SourceId(id.to_owned()),
            name: name.to_owned(),
            engine: Engine::Sqlite,
            example_questions,
        };
        self.sources.write().await.insert(summary.id.clone(), Arc::new(Source { summary, organisation_id, pool }));
        Ok(())
    }
}

/// Records the source and returns the organisation it belongs to. An operator-configured
/// source joins the first organisation (the one created at set-up) when there is one.
async fn upsert_source(
    meta: &MetaStore,
    id: &str,
    name: &str,
    engine: Engine,
    location: &Path,
) -> anyhow::Result<Option<String>> {
    let engine = serde_json::to_value(engine)?.as_str().unwrap_or("sqlite").to_owned();
    let organisation_id = sqlx::query_scalar(
        "INSERT INTO sources (id, name, engine, location, organisation_id)
         VALUES (?, ?, ?, ?, (SELECT id FROM organisations ORDER BY created_at, id LIMIT 1))
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, engine = excluded.engine, location = excluded.location,
             organisation_id = coalesce(sources.organisation_id, excluded.organisation_id)
         RETURNING organisation_id",
    )
    .bind(id)
    .bind(name)
    .bind(engine)
    .bind(location.to_string_lossy())
    .fetch_one(&meta.0)
    .await?;
    Ok(organisation_id)
}

/// A URL-safe source id from a file name: `Chinook_Sqlite.db` → `chinook-sqlite`.
pub fn source_id_for(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default();
    let id: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let id = id.trim_matches('-').to_owned();
    if id.is_empty() {
        "source".to_owned()
    } else {
        id
    }
}

pub fn display_name_for(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| PathBuf::from(path).display().to_string())
}

#[utoipa::path(get, path = "/api/v1/sources", tag = "sources",
    responses((status = 200, body = ListSourcesResponse)))]
pub async fn list_sources(
    State(sources): State<Arc<SourceRegistry>>,
    principal: Principal,
) -> ApiJson<ListSourcesResponse> {
    ApiJson(ListSourcesResponse { sources: sources.summaries(&principal.organisation_id).await })
}

#[utoipa::path(get, path = "/api/v1/sources/{id}/schema", tag = "sources",
    params(("id" = String, Path, description = "Source id")),
    responses((status = 200, body = SourceSchemaResponse), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn get_source_schema(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    principal: Principal,
    UrlPath(id): UrlPath<String>,
) -> Result<ApiJson<SourceSchemaResponse>, RelayError> {
    let source = sources.get(&principal.organisation_id, &SourceId(id)).await?;
    let (schema, indexed_at) = schema::load_snapshot(&meta, &source.summary.id).await?;
    Ok(ApiJson(SourceSchemaResponse { source: source.summary.clone(), indexed_at, schema }))
}

/// The schema model a question is compiled against.
pub async fn model_of(meta: &MetaStore, source: &Source) -> Result<SchemaModel, RelayError> {
    Ok(schema::load_snapshot(meta, &source.summary.id).await?.0)
}
