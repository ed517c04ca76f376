//! The real database servers that `scripts/test-servers` starts on loopback (PostgreSQL 15 and
//! MariaDB, TLS 1.3, a test CA) are reachable the way the relay's data sources will reach them:
//! sqlx over verified TLS. Also proves that verification is real: a certificate for another name,
//! or from a CA the client does not trust, is refused.
//!
//! `scripts/test` starts the servers and exports `<run dir>/servers.env` to `cargo test`. By hand:
//! `scripts/test-servers && set -a && source target/test-servers/servers.env && set +a`.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Row};

/// What `scripts/test-servers` wrote to `servers.env`.
struct Servers {
    host: String,
    pg_port: u16,
    pg_wrongname_port: u16,
    mariadb_port: u16,
    ca: PathBuf,
    other_ca: PathBuf,
    pg_reader: String,
    pg_reader_password: String,
    mariadb_reader: String,
    mariadb_reader_password: String,
    chinook_sqlite: PathBuf,
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

/// The servers, or `None` outside CI when they were not started (the caller then skips).
fn servers() -> Option<Servers> {
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
        pg_reader: var("VIZKRAFT_TEST_PG_READER"),
        pg_reader_password: var("VIZKRAFT_TEST_PG_READER_PASSWORD"),
        mariadb_reader: var("VIZKRAFT_TEST_MARIADB_READER"),
        mariadb_reader_password: var("VIZKRAFT_TEST_MARIADB_READER_PASSWORD"),
        chinook_sqlite: file("VIZKRAFT_TEST_CHINOOK_SQLITE"),
    })
}

/// Built field by field (never from a URL), verify-full against `ca`. The constructor still
/// reads `PG*` variables, so every field that matters is set explicitly.
fn pg_options(s: &Servers, port: u16, database: &str, ca: &Path) -> PgConnectOptions {
    PgConnectOptions::new_without_pgpass()
        .host(&s.host)
        .port(port)
        .username(&s.pg_reader)
        .password(&s.pg_reader_password)
        .database(database)
        .ssl_mode(PgSslMode::VerifyFull)
        .ssl_root_cert(ca)
        .application_name("vizkraft-servers-test")
        .disable_statement_logging()
}

fn mariadb_options(s: &Servers, ca: &Path) -> MySqlConnectOptions {
    MySqlConnectOptions::new()
        .host(&s.host)
        .port(s.mariadb_port)
        .username(&s.mariadb_reader)
        .password(&s.mariadb_reader_password)
        .database("vizkraft_test")
        .ssl_mode(MySqlSslMode::VerifyIdentity)
        .ssl_ca(ca)
        .disable_statement_logging()
}

async fn timed<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f).await.unwrap_or_else(|_| panic!("{what}: timed out"))
}

async fn sqlite_track_count(path: &Path) -> i64 {
    let mut conn = SqliteConnectOptions::new().filename(path).read_only(true).connect().await.unwrap();
    let n: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "Track""#).fetch_one(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    n
}

#[tokio::test]
async fn postgres_over_verified_tls_serves_chinook_to_the_reader() {
    let Some(s) = servers() else { return };
    let expected = sqlite_track_count(&s.chinook_sqlite).await;
    assert!(expected > 0);

    let mut conn: PgConnection = timed("connect to PostgreSQL", pg_options(&s, s.pg_port, "chinook", &s.ca).connect())
        .await
        .unwrap_or_else(|e| panic!("vk_reader over verify-full TLS to PostgreSQL: {e}"));
    let n: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "Track""#).fetch_one(&mut conn).await.unwrap();
    assert_eq!(n, expected, "Track rows in PostgreSQL vs the SQLite copy");

    let row = sqlx::query("SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(row.get::<bool, _>("ssl"), "the connection is not encrypted");
    assert_eq!(row.get::<String, _>("version"), "TLSv1.3");

    // The reader can read, not write.
    let err =
        sqlx::query(r#"CREATE TABLE "Nope" (id int)"#).execute(&mut conn).await.expect_err("vk_reader created a table");
    assert!(err.to_string().contains("permission denied"), "{err}");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn mariadb_over_verified_tls_serves_a_row_to_the_reader() {
    let Some(s) = servers() else { return };
    let mut conn: MySqlConnection = timed("connect to MariaDB", mariadb_options(&s, &s.ca).connect())
        .await
        .unwrap_or_else(|e| panic!("vk_reader over verify-identity TLS to MariaDB: {e}"));
    let row = sqlx::query("SELECT id, name FROM customers ORDER BY id LIMIT 1").fetch_one(&mut conn).await.unwrap();
    assert_eq!(row.get::<i32, _>("id"), 1);
    assert!(!row.get::<String, _>("name").is_empty());

    let row = sqlx::query("SHOW SESSION STATUS LIKE 'Ssl_version'").fetch_one(&mut conn).await.unwrap();
    assert_eq!(row.get::<String, _>(1), "TLSv1.3");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn a_certificate_for_another_name_is_refused() {
    let Some(s) = servers() else { return };
    let result = timed(
        "connect to the wrong-name PostgreSQL",
        pg_options(&s, s.pg_wrongname_port, "vizkraft_test", &s.ca).connect(),
    )
    .await;
    let err = result.expect_err("verify-full accepted a certificate for wrong.example");
    assert!(err.to_string().to_lowercase().contains("certificate"), "not a certificate error: {err}");

    // The same server is otherwise fine (TLS without verification connects): only the name
    // is wrong.
    let conn = timed(
        "connect to the wrong-name PostgreSQL, no verification",
        pg_options(&s, s.pg_wrongname_port, "vizkraft_test", &s.ca).ssl_mode(PgSslMode::Require).connect(),
    )
    .await
    .unwrap_or_else(|e| panic!("sslmode=require to the wrong-name server: {e}"));
    conn.close().await.unwrap();

    // Pinned library behaviour: sqlx 0.8.6's verify-ca skips the name check only for rustls'
    // old `NotValidForName` error; rustls 0.23.46 reports `NotValidForNameContext`, so
    // verify-ca checks the name too (fails closed). An upgrade that changes this shows here.
    let verify_ca = timed(
        "connect to the wrong-name PostgreSQL, verify-ca",
        pg_options(&s, s.pg_wrongname_port, "vizkraft_test", &s.ca).ssl_mode(PgSslMode::VerifyCa).connect(),
    )
    .await;
    assert!(
        verify_ca.is_err(),
        "sqlx's verify-ca now accepts a certificate for another name: revisit the relay's TLS modes"
    );
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_refused() {
    let Some(s) = servers() else { return };
    let pg =
        timed("connect to PostgreSQL with the other CA", pg_options(&s, s.pg_port, "chinook", &s.other_ca).connect())
            .await;
    let err = pg.expect_err("PostgreSQL: accepted a server the given CA did not sign");
    assert!(err.to_string().to_lowercase().contains("certificate"), "PostgreSQL: not a certificate error: {err}");

    let my = timed("connect to MariaDB with the other CA", mariadb_options(&s, &s.other_ca).connect()).await;
    let err = my.expect_err("MariaDB: accepted a server the given CA did not sign");
    assert!(err.to_string().to_lowercase().contains("certificate"), "MariaDB: not a certificate error: {err}");
}
