//! The Vizkraft relay as a library: `router` and `tls::serve_tls` are what `main.rs` boots and
//! what the tests drive.

pub mod access;
pub mod accuracy;
pub mod api_keys;
pub mod ask;
pub mod audit;
pub mod auth;
pub mod charts;
pub mod config;
pub mod dashboards;
pub mod demo;
pub mod error;
pub mod members;
pub mod openapi;
pub mod query;
pub mod schema;
pub mod security_headers;
pub mod sources;
pub mod state;
pub mod telemetry;
pub mod tls;
pub mod vault;

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

use crate::access::ApiRoutes;
use crate::config::ServeArgs;
use crate::error::RelayError;
use crate::sources::{display_name_for, source_id_for, SourceRegistry, DEMO_SOURCE_ID};
use crate::state::{AppState, MetaStore};
use crate::tls::ServerCertificate;

/// Every API route with its access rule: the only place the API is assembled.
pub fn api_routes() -> ApiRoutes {
    ApiRoutes::default()
        .merge(auth::routes())
        .merge(members::routes())
        .merge(api_keys::routes())
        .merge(audit::routes())
        .merge(sources::routes())
        .merge(ask::routes())
        .merge(query::routes())
        .merge(charts::routes())
        .merge(dashboards::routes())
        .merge(openapi::routes())
}

/// The whole HTTP surface: health, the versioned API, and the built app for everything else.
pub fn router(state: AppState, static_dir: Option<&Path>) -> Router {
    let (api, _) = api_routes().build(&state);
    let api = api
        .fallback(|| async { RelayError::NotFound("API route") })
        // Responses may carry result rows: no browser or proxy may keep them.
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let app = Router::new().route("/healthz", get(|| async { "ok" })).nest(API_PREFIX, api);
    let app = match static_dir {
        // Unknown paths get the app's index.html so client-side routes survive a reload.
        Some(dir) => app.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => app,
    };
    // Last, so it wraps everything above: API, app files, errors and 404s alike.
    let app = app.layer(security_headers::layer(static_dir));
    app.with_state(state)
}

impl AppState {
    /// Opens the data directory and every configured source.
    pub async fn open(args: &ServeArgs) -> anyhow::Result<AppState> {
        std::fs::create_dir_all(&args.data_dir)
            .with_context(|| format!("cannot create the data directory {}", args.data_dir.display()))?;
        sources::network::refuse_libpq_environment()?;
        let meta = open_meta_store(&args.data_dir.join("meta.sqlite")).await?;
        let vault = Arc::new(vault::unlock(&meta.0, &args.vault, &args.data_dir).await?);
        let registry = SourceRegistry::new(&args.sources, &args.data_dir, meta.clone(), vault.clone());
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
        registry.load_managed().await?;
        Ok(AppState { meta, sources: Arc::new(registry), limits: args.limits, throttle: Arc::default(), vault })
    }
}

pub(crate) async fn open_meta_store(path: &Path) -> anyhow::Result<MetaStore> {
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

/// `vizkraft serve`: open everything, bind, print the address, serve over HTTPS until Ctrl-C.
pub async fn run_server(args: ServeArgs) -> anyhow::Result<()> {
    let state = AppState::open(&args).await?;
    let certificate =
        ServerCertificate::from_options(args.tls.cert.as_deref(), args.tls.key.as_deref(), &args.data_dir)?;
    let tls_config = tls::server_config(&certificate)?;
    if let Some(dir) = &args.static_dir {
        anyhow::ensure!(dir.join("index.html").exists(), "no built app in {} (run scripts/demo)", dir.display());
    }
    let listener = TcpListener::bind(args.listen).await.with_context(|| format!("cannot listen on {}", args.listen))?;
    let address = listener.local_addr()?;
    state.sources.set_relay_address(address);
    if args.sources.schema_refresh_minutes > 0 {
        let every = std::time::Duration::from_secs(args.sources.schema_refresh_minutes * 60);
        tokio::spawn(sources::refresh_on_schedule(state.sources.clone(), state.meta.clone(), every));
    }
    // A wildcard address is no place to browse to; the self-signed certificate names localhost.
    let shown =
        if address.ip().is_unspecified() { format!("localhost:{}", address.port()) } else { address.to_string() };
    println!("Vizkraft is running at https://{shown}/");
    print_certificate(&certificate);
    if let Some(token) = auth::ensure_setup_token(&state.meta).await? {
        // The token travels in the fragment, so it never reaches a server log.
        println!("No users yet. Create the first owner within the hour at: https://{shown}/setup#{token}");
    }
    let app = router(state, args.static_dir.as_deref());
    tls::serve_tls(listener, tls_config, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("server stopped")
}

/// What a person needs to check, or pin, the certificate the browser is about to show.
fn print_certificate(certificate: &ServerCertificate) {
    match &certificate.origin {
        tls::Origin::Provided => println!("TLS certificate: the one given with --tls-cert"),
        tls::Origin::Created(dir) => println!(
            "TLS certificate: self-signed for localhost, 127.0.0.1 and ::1, created in {} \
             (browsers warn about it once; see README, \"HTTPS\")",
            dir.display()
        ),
        tls::Origin::Reused(dir) => println!("TLS certificate: self-signed, from {}", dir.display()),
    }
    println!("  SHA-256 fingerprint:   {}", certificate.fingerprints.sha256);
    println!("  SPKI SHA-256 (base64): {}", certificate.fingerprints.spki_sha256);
}
