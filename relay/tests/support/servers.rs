//! The real database servers that `scripts/test-servers` starts on loopback (PostgreSQL 15 and
//! MariaDB, TLS 1.3, a test CA), and connect options built the way the relay's data sources
//! build them: field by field, never from a URL, with verified TLS.
//!
//! `scripts/test` starts the servers and exports `<run dir>/servers.env` to `cargo test`. By hand:
//! `scripts/test-servers && set -a && source target/test-servers/servers.env && set +a`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::ConnectOptions;

/// What `scripts/test-servers` wrote to `servers.env`.
pub struct Servers {
    pub host: String,
    pub pg_port: u16,
    pub pg_wrongname_port: u16,
    pub mariadb_port: u16,
    pub ca: PathBuf,
    pub other_ca: PathBuf,
    pub pg_reader: Login,
    pub pg_admin: Login,
    /// The cluster's superuser: sees every session in `pg_stat_activity`.
    pub pg_superuser: Login,
    /// SELECT, INSERT, UPDATE, DELETE on the test databases.
    pub pg_writer: Login,
    /// The main PostgreSQL server's log (`log_statement = 'all'`, `%a` in the line prefix).
    pub pg_log: PathBuf,
    pub mariadb_root: Login,
    pub mariadb_reader: Login,
    /// SELECT on the whole test database, `private_notes` included.
    pub mariadb_db_reader: Login,
    pub mariadb_writer: Login,
    /// MariaDB's general query log.
    pub mariadb_general_log: PathBuf,
    pub chinook_sqlite: PathBuf,
}

pub struct Login {
    pub user: String,
    pub password: String,
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: start the test servers with scripts/test-servers and export \
             the servers.env it writes (scripts/test does both)"
        )
    })
}

fn port(name: &str) -> u16 {
    var(name).parse().unwrap_or_else(|e| panic!("{name} is not a port: {e}"))
}

fn file(name: &str) -> PathBuf {
    let path = PathBuf::from(var(name));
    assert!(path.is_file(), "{name}={} does not exist: re-run scripts/test-servers", path.display());
    path
}

fn login(prefix: &str) -> Login {
    Login { user: var(prefix), password: var(&format!("{prefix}_PASSWORD")) }
}

/// The servers, or `None` outside CI when they were not started (the caller then skips).
pub fn servers() -> Option<Servers> {
    if std::env::var_os("VIZKRAFT_TEST_PG_PORT").is_none() && !in_ci() {
        eprintln!(
            "notice: real database servers not configured (VIZKRAFT_TEST_PG_PORT unset); \
             skipping. Run scripts/test-servers and export its servers.env, or scripts/test."
        );
        return None;
    }
    Some(Servers {
        host: var("VIZKRAFT_TEST_HOST"),
        pg_port: port("VIZKRAFT_TEST_PG_PORT"),
        pg_wrongname_port: port("VIZKRAFT_TEST_PG_WRONGNAME_PORT"),
        mariadb_port: port("VIZKRAFT_TEST_MARIADB_PORT"),
        ca: file("VIZKRAFT_TEST_CA"),
        other_ca: file("VIZKRAFT_TEST_OTHER_CA"),
        pg_reader: login("VIZKRAFT_TEST_PG_READER"),
        pg_admin: login("VIZKRAFT_TEST_PG_ADMIN"),
        pg_superuser: login("VIZKRAFT_TEST_PG_SUPERUSER"),
        pg_writer: login("VIZKRAFT_TEST_PG_WRITER"),
        pg_log: file("VIZKRAFT_TEST_PG_LOG"),
        mariadb_root: login("VIZKRAFT_TEST_MARIADB_ROOT"),
        mariadb_reader: login("VIZKRAFT_TEST_MARIADB_READER"),
        mariadb_db_reader: login("VIZKRAFT_TEST_MARIADB_DB_READER"),
        mariadb_writer: login("VIZKRAFT_TEST_MARIADB_WRITER"),
        mariadb_general_log: PathBuf::from(var("VIZKRAFT_TEST_MARIADB_GENERAL_LOG")),
        chinook_sqlite: file("VIZKRAFT_TEST_CHINOOK_SQLITE"),
    })
}

impl Servers {
    /// vk_reader, built field by field (never from a URL), verify-full against `ca`. The
    /// constructor still reads `PG*` variables, so every field that matters is set explicitly.
    pub fn pg_options(&self, port: u16, database: &str, ca: &Path) -> PgConnectOptions {
        self.pg_options_as(&self.pg_reader, port, database, ca)
    }

    pub fn pg_options_as(&self, login: &Login, port: u16, database: &str, ca: &Path) -> PgConnectOptions {
        PgConnectOptions::new_without_pgpass()
            .host(&self.host)
            .port(port)
            .username(&login.user)
            .password(&login.password)
            .database(database)
            .ssl_mode(PgSslMode::VerifyFull)
            .ssl_root_cert(ca)
            .application_name("vizkraft-servers-test")
            .disable_statement_logging()
    }

    /// vk_reader on vizkraft_test, verify-identity against `ca`.
    pub fn mariadb_options(&self, ca: &Path) -> MySqlConnectOptions {
        self.mariadb_options_as(&self.mariadb_reader, ca)
    }

    pub fn mariadb_options_as(&self, login: &Login, ca: &Path) -> MySqlConnectOptions {
        MySqlConnectOptions::new()
            .host(&self.host)
            .port(self.mariadb_port)
            .username(&login.user)
            .password(&login.password)
            .database("vizkraft_test")
            .ssl_mode(MySqlSslMode::VerifyIdentity)
            .ssl_ca(ca)
            .disable_statement_logging()
    }
}

pub async fn timed<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f).await.unwrap_or_else(|_| panic!("{what}: timed out"))
}
