//! The command line: one typed struct per command, every flag also settable by environment.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::vault::MasterKeyText;

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
    Serve(Box<ServeArgs>),
    /// Generate the demo database at PATH (does nothing if it exists).
    DemoDb {
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
    /// Manage the credential vault (see README, "The credential vault").
    Vault {
        #[command(subcommand)]
        command: VaultCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Replace the master key: rewrap every stored credential's data key under a new key in one
    /// transaction. Stop the relay first.
    Rotate(RotateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct RotateArgs {
    /// The relay's data directory, as given to `serve`.
    #[arg(long, env = "VIZKRAFT_DATA_DIR", default_value = "./vizkraft-data")]
    pub data_dir: PathBuf,

    #[command(flatten)]
    pub vault: VaultArgs,

    /// Where the new master key is: read if the file exists, otherwise created there (mode 0600).
    /// Without it the new key replaces the current key file once the rewrap has committed.
    /// Required when the current key comes from VIZKRAFT_MASTER_KEY.
    #[arg(long, value_name = "PATH")]
    pub new_master_key_file: Option<PathBuf>,
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
    pub sources: SourceOptions,

    #[command(flatten)]
    pub tls: TlsArgs,

    #[command(flatten)]
    pub vault: VaultArgs,
}

/// What admins may connect sources to.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceOptions {
    /// Directory of SQLite files that admins may add as sources (nothing outside it is offered
    /// or opened). Without it, admins cannot add SQLite sources.
    #[arg(long = "sqlite-dir", env = "VIZKRAFT_SQLITE_DIR", value_name = "DIR")]
    pub sqlite_dir: Option<PathBuf>,

    /// Address ranges sources may reach (CIDR, repeatable). When given, nothing else is allowed;
    /// it also lifts the built-in refusal of link-local and metadata addresses for these ranges.
    #[arg(long = "source-allow", env = "VIZKRAFT_SOURCE_ALLOW", value_delimiter = ',', value_name = "CIDR")]
    pub allow: Vec<ipnet::IpNet>,

    /// Address ranges sources may never reach (CIDR, repeatable); wins over --source-allow.
    #[arg(long = "source-deny", env = "VIZKRAFT_SOURCE_DENY", value_delimiter = ',', value_name = "CIDR")]
    pub deny: Vec<ipnet::IpNet>,

    /// Minutes between scheduled re-reads of every source's catalog; 0 turns them off.
    #[arg(long = "schema-refresh-minutes", env = "VIZKRAFT_SCHEMA_REFRESH_MINUTES", default_value_t = 60)]
    pub schema_refresh_minutes: u64,
}

/// The master key of the credential vault. Without either option the relay uses
/// `<data-dir>/master.key`, creating it (mode 0600) on first start. It never starts with a
/// missing, malformed or wrong key once credentials are stored.
#[derive(Debug, Clone, Default, Args)]
pub struct VaultArgs {
    /// File holding the master key: base64 of 32 random bytes. Back it up apart from the data
    /// directory: without it the stored credentials cannot be read.
    #[arg(
        long = "master-key-file",
        env = "VIZKRAFT_MASTER_KEY_FILE",
        value_name = "PATH",
        conflicts_with = "master_key"
    )]
    pub master_key_file: Option<PathBuf>,

    /// The master key itself, base64 of 32 bytes. Set it in the environment: a flag's value is
    /// visible to other users of the machine (`ps`). Never shown in help or logs.
    #[arg(long = "master-key", env = "VIZKRAFT_MASTER_KEY", value_name = "BASE64", hide_env_values = true)]
    pub master_key: Option<MasterKeyText>,
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

    /// Most bytes of result one query may send (as encoded for the browser); the rest are not read.
    #[arg(long = "result-byte-cap", env = "VIZKRAFT_RESULT_BYTE_CAP", default_value_t = 1 << 30)]
    pub byte_cap: u64,
}

impl QueryLimits {
    pub fn statement_timeout(&self) -> Duration {
        Duration::from_millis(self.statement_timeout_ms)
    }
}
