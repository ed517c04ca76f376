//! The command line: one typed struct per command, every flag also settable by environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "vizkraft",
    version,
    about = "Ask your database, get a chart. Your rows never leave your infrastructure."
)]
pub struct Cli {
    /// Log filter in `tracing` syntax (e.g. `info`, `vizkraft_relay=debug`). Logs never carry
    /// query results or credentials at any level.
    #[arg(long, env = "VIZKRAFT_LOG", default_value = "info", global = true)]
    pub log: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the app and the API.
    Serve(ServeArgs),
    /// Generate the demo database at PATH (does nothing if it exists).
    DemoDb {
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on. Port 0 picks a free port (printed at start).
    #[arg(long, env = "VIZKRAFT_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// Directory for the relay's own state (metadata database, demo database).
    /// Query results are never written here.
    #[arg(long, env = "VIZKRAFT_DATA_DIR", default_value = "./vizkraft-data")]
    pub data_dir: PathBuf,

    /// Directory holding the built browser app (Trunk's `dist/`). Without it only the API is served.
    #[arg(long, env = "VIZKRAFT_STATIC_DIR")]
    pub static_dir: Option<PathBuf>,

    /// Create the demo database in the data directory if absent and offer it as a source.
    #[arg(long, env = "VIZKRAFT_DEMO")]
    pub demo: bool,

    /// Where the demo database lives (default: `demo.sqlite` in the data directory).
    #[arg(long, env = "VIZKRAFT_DEMO_PATH", value_name = "PATH")]
    pub demo_path: Option<PathBuf>,

    /// Add a SQLite database file as a read-only source (repeatable).
    #[arg(long = "sqlite-source", env = "VIZKRAFT_SQLITE_SOURCES", value_delimiter = ',', value_name = "PATH")]
    pub sqlite_sources: Vec<PathBuf>,

    #[command(flatten)]
    pub limits: QueryLimits,

    #[command(flatten)]
    pub tls: TlsArgs,
}

/// The HTTPS certificate. Without one, the relay makes a self-signed certificate for
/// `localhost`, `127.0.0.1` and `::1` on first start and keeps it in `<data-dir>/tls/`.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// PEM certificate chain, leaf first (e.g. Let's Encrypt's `fullchain.pem`).
    #[arg(long = "tls-cert", env = "VIZKRAFT_TLS_CERT", value_name = "PATH", requires = "key")]
    pub cert: Option<PathBuf>,

    /// PEM private key of that certificate (PKCS#8, PKCS#1 or SEC1).
    #[arg(long = "tls-key", env = "VIZKRAFT_TLS_KEY", value_name = "PATH", requires = "cert")]
    pub key: Option<PathBuf>,
}

/// Per-query limits; both are reported to the user with every result.
#[derive(Debug, Clone, Copy, Args)]
pub struct QueryLimits {
    /// Most rows one query may return; the rest are not read.
    #[arg(long, env = "VIZKRAFT_ROW_CAP", default_value_t = 1_000_000)]
    pub row_cap: u64,

    /// Longest a query may run, in milliseconds, before the database is told to stop.
    #[arg(long = "statement-timeout-ms", env = "VIZKRAFT_STATEMENT_TIMEOUT_MS", default_value_t = 30_000)]
    pub statement_timeout_ms: u64,
}

impl QueryLimits {
    pub fn statement_timeout(&self) -> Duration {
        Duration::from_millis(self.statement_timeout_ms)
    }
}
