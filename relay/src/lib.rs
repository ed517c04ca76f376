//! The Vizkraft relay as a library: `router` and `serve` are what `main.rs` boots and what
//! the tests drive.

pub mod accuracy;
pub mod ask;
pub mod config;
pub mod demo;
pub mod error;
pub mod openapi;
pub mod query;
pub mod schema;
pub mod sources;
pub mod state;
pub mod telemetry;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::Router;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use tokio::net::TcpListener;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use vizkraft_domain::api::API_PREFIX;

use crate::config::ServeArgs;
use crate::error::RelayError;
use crate::sources::{display_name_for, source_id_for, SourceRegistry, DEMO_SOURCE_ID};
use crate::state::{AppState, MetaStore};

/// The whole HTTP surface: health, the versioned API, and the built app for everything else.
pub fn router(state: AppState, static_dir: Option<&Path>) -> Router {
    let api = Router::new()
        .merge(sources::router())
        .merge(ask::router())
        .merge(query::router())
        .merge(openapi::router())
        .fallback(|| async { RelayError::NotFound("API route") })
        // Responses may carry result rows: no browser or proxy may keep them.
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let app = Router::new().route("/healthz", get(|| async { "ok" })).nest(API_PREFIX, api);
    let app = match static_dir {
        // Unknown paths get the app's index.html so client-side routes survive a reload.
        Some(dir) => app.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => app,
    };
    app.with_state(state)
}

/// Serves `router` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}

impl AppState {
    /// Opens the data directory and every configured source.
    pub async fn open(args: &ServeArgs) -> anyhow::Result<AppState> {
        std::fs::create_dir_all(&args.data_dir)
            .with_context(|| format!("cannot create the data directory {}", args.data_dir.display()))?;
        let meta = open_meta_store(&args.data_dir.join("meta.sqlite")).await?;
        let mut registry = SourceRegistry::default();
        if args.demo {
            let path = args.demo_path.clone().unwrap_or_else(|| args.data_dir.join("demo.sqlite"));
            if !path.exists() {
                tracing::info!("generating the demo database (a few seconds, once)");
            }
            demo::ensure(&path).await.context("cannot create the demo database")?;
            let examples = demo::EXAMPLE_QUESTIONS.iter().map(|q| q.to_string()).collect();
            registry.add_sqlite(&meta, DEMO_SOURCE_ID, demo::SOURCE_NAME, &path, Some(examples)).await?;
        }
        for path in &args.sqlite_sources {
            registry.add_sqlite(&meta, &source_id_for(path), &display_name_for(path), path, None).await?;
        }
        Ok(AppState { meta, sources: Arc::new(registry), limits: args.limits })
    }
}

async fn open_meta_store(path: &Path) -> anyhow::Result<MetaStore> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the metadata store {}", path.display()))?;
    sqlx::migrate!("./migrations").run(&pool).await.context("cannot migrate the metadata store")?;
    Ok(MetaStore(pool))
}

/// `vizkraft serve`: open everything, bind, print the address, serve until Ctrl-C.
pub async fn run_server(args: ServeArgs) -> anyhow::Result<()> {
    let state = AppState::open(&args).await?;
    if let Some(dir) = &args.static_dir {
        anyhow::ensure!(dir.join("index.html").exists(), "no built app in {} (run scripts/demo)", dir.display());
    }
    let listener = TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    println!("Vizkraft is running at http://{address}/");
    let app = router(state, args.static_dir.as_deref());
    serve(listener, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("server stopped")
}
