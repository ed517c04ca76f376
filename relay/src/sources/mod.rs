//! Data sources: the registry of open read-only connections, and the routes that list
//! sources and serve each one's schema.

mod examples;
mod sqlite;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{Path as UrlPath, State};
use axum::routing::get;
use axum::Router;
use vizkraft_domain::api::sources::{ListSourcesResponse, SourceId, SourceSchemaResponse, SourceSummary};
use vizkraft_domain::semantic::{Engine, SchemaModel};

use crate::error::{ApiJson, RelayError};
use crate::schema;
use crate::state::{AppState, MetaStore};

pub use sqlite::open_read_only;

/// Concurrent queries per source; more wait for a free connection.
pub const MAX_CONNECTIONS_PER_SOURCE: u32 = 4;

/// Id of the embedded demo database.
pub const DEMO_SOURCE_ID: &str = "demo";

pub fn router() -> Router<AppState> {
    Router::new().route("/sources", get(list_sources)).route("/sources/{id}/schema", get(get_source_schema))
}

/// One queryable source: its public summary and its connection pool.
pub struct Source {
    pub summary: SourceSummary,
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
    sources: BTreeMap<SourceId, Source>,
}

impl SourceRegistry {
    pub fn get(&self, id: &SourceId) -> Result<&Source, RelayError> {
        self.sources.get(id).ok_or(RelayError::NotFound("source"))
    }

    pub fn summaries(&self) -> Vec<SourceSummary> {
        self.sources.values().map(|s| s.summary.clone()).collect()
    }

    /// Registers (or re-registers) a SQLite file as a source, indexes its catalog and keeps
    /// the snapshot in the metadata store.
    pub async fn add_sqlite(
        &mut self,
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
        upsert_source(meta, id, name, Engine::Sqlite, &path).await?;
        schema::save_snapshot(meta, id, &model).await?;
        let example_questions = examples.unwrap_or_else(|| examples::suggest(&model));
        let summary = SourceSummary {
            id: SourceId(id.to_owned()),
            name: name.to_owned(),
            engine: Engine::Sqlite,
            example_questions,
        };
        self.sources.insert(summary.id.clone(), Source { summary, pool });
        Ok(())
    }
}

async fn upsert_source(meta: &MetaStore, id: &str, name: &str, engine: Engine, location: &Path) -> anyhow::Result<()> {
    let engine = serde_json::to_value(engine)?.as_str().unwrap_or("sqlite").to_owned();
    sqlx::query(
        "INSERT INTO sources (id, name, engine, location) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, engine = excluded.engine, location = excluded.location",
    )
    .bind(id)
    .bind(name)
    .bind(engine)
    .bind(location.to_string_lossy())
    .execute(&meta.0)
    .await?;
    Ok(())
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
pub async fn list_sources(State(sources): State<Arc<SourceRegistry>>) -> ApiJson<ListSourcesResponse> {
    ApiJson(ListSourcesResponse { sources: sources.summaries() })
}

#[utoipa::path(get, path = "/api/v1/sources/{id}/schema", tag = "sources",
    params(("id" = String, Path, description = "Source id")),
    responses((status = 200, body = SourceSchemaResponse), (status = 404, body = vizkraft_domain::ApiError)))]
pub async fn get_source_schema(
    State(sources): State<Arc<SourceRegistry>>,
    State(meta): State<MetaStore>,
    UrlPath(id): UrlPath<String>,
) -> Result<ApiJson<SourceSchemaResponse>, RelayError> {
    let source = sources.get(&SourceId(id))?;
    let (schema, indexed_at) = schema::load_snapshot(&meta, &source.summary.id).await?;
    Ok(ApiJson(SourceSchemaResponse { source: source.summary.clone(), indexed_at, schema }))
}

/// The schema model a question is compiled against.
pub async fn model_of(meta: &MetaStore, source: &Source) -> Result<SchemaModel, RelayError> {
    Ok(schema::load_snapshot(meta, &source.summary.id).await?.0)
}
