//! The relay, in process, serving HTTPS on a real socket bound to port 0 before it serves, with
//! the self-signed certificate it makes in its temporary data directory.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tokio::net::TcpListener;
use vizkraft_relay::config::{QueryLimits, ServeArgs};
use vizkraft_relay::state::AppState;
use vizkraft_relay::tls::{self, ServerCertificate};

use super::repo_root;

pub struct Relay {
    pub url: String,
    /// Base64 SHA-256 of the certificate's public key: the browser trusts exactly this key.
    pub spki_sha256: String,
    pub demo_db: PathBuf,
    /// The one-time first-start token, as the operator's console would show it.
    pub setup_token: String,
    _data_dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Relay {
    pub async fn start() -> Relay {
        Self::start_with(|_| {}).await
    }

    /// The built app's directory (Trunk's `dist/`), `VIZKRAFT_DIST` if set.
    pub fn dist() -> PathBuf {
        std::env::var_os("VIZKRAFT_DIST").map(PathBuf::from).unwrap_or_else(|| repo_root().join("dist"))
    }

    /// A relay whose arguments `configure` may change first.
    pub async fn start_with(configure: impl FnOnce(&mut ServeArgs)) -> Relay {
        let dist = Self::dist();
        assert!(
            dist.join("index.html").exists(),
            "no built app in {}: run scripts/test (it builds the app with Trunk first)",
            dist.display()
        );
        let data_dir = tempfile::tempdir().unwrap();
        let demo_db = demo_db().to_owned();
        let mut args = ServeArgs {
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data_dir.path().to_owned(),
            static_dir: Some(dist.clone()),
            demo: true,
            demo_path: Some(demo_db.clone()),
            sqlite_sources: Vec::new(),
            limits: QueryLimits { row_cap: 1_000_000, statement_timeout_ms: 30_000, byte_cap: 1 << 30 },
            sources: Default::default(),
            tls: Default::default(),
            vault: Default::default(),
        };
        configure(&mut args);
        let state = AppState::open(&args).await.unwrap();
        let setup_token = vizkraft_relay::auth::ensure_setup_token(&state.meta).await.unwrap().unwrap();
        let certificate = ServerCertificate::from_options(None, None, &args.data_dir).unwrap();
        let tls_config = tls::server_config(&certificate).unwrap();
        let listener = TcpListener::bind(args.listen).await.unwrap();
        let url = format!("https://{}/", listener.local_addr().unwrap());
        let (shutdown, stopped) = tokio::sync::oneshot::channel();
        let router = vizkraft_relay::router(state, args.static_dir.as_deref());
        tokio::spawn(tls::serve_tls(listener, tls_config, router, async {
            let _ = stopped.await;
        }));
        let spki_sha256 = certificate.fingerprints.spki_sha256;
        Relay { url, spki_sha256, demo_db, setup_token, _data_dir: data_dir, shutdown: Some(shutdown) }
    }

    /// The relay's data directory (metadata store, vault key, TLS certificate).
    pub fn data_dir(&self) -> &Path {
        self._data_dir.path()
    }

    /// Runs SQL directly on the demo database, bypassing the relay, for comparisons.
    pub async fn direct_rows(&self, sql: &str) -> Vec<sqlx::sqlite::SqliteRow> {
        let pool = vizkraft_relay::sources::open_read_only(&self.demo_db).await.unwrap();
        sqlx::query(sql).fetch_all(&pool).await.unwrap()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The demo database, generated once and kept under the target directory.
fn demo_db() -> &'static Path {
    static DEMO: OnceLock<PathBuf> = OnceLock::new();
    DEMO.get_or_init(|| {
        // Generated on a thread of its own: each test has its own runtime, the file is shared.
        std::thread::spawn(|| {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(vizkraft_relay::demo::cached_in(Path::new(env!("CARGO_TARGET_TMPDIR")))).unwrap()
        })
        .join()
        .unwrap()
    })
}
