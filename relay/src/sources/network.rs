//! Connecting to a PostgreSQL or MySQL/MariaDB source: settings checked, the host resolved once
//! and checked against the address policy, TLS done by the relay itself to that address
//! (`tls_bridge`), then sqlx options built field by field (never from a URL, never with a user
//! string sqlx would parse) pointing at the bridge, and a session made read-only before
//! anything runs on it.

use std::net::SocketAddr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlConnection, MySqlDatabaseError, MySqlSslMode};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Row};
use vizkraft_domain::api::sources::{ConnectionFailure, ConnectionFailureKind as Kind, NetworkSettings};
use vizkraft_domain::semantic::Engine;

use super::address::{is_loopback, is_loopback_host, AddressPolicy};
use super::tls_bridge::{self, failure, root_store};
use crate::vault::Secret;

/// Longest wait for a whole connection, TLS and authentication included.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The server ends a transaction this login leaves open longer than this.
const IDLE_IN_TRANSACTION_MS: u32 = 60_000;
const MAX_CA_PEM_BYTES: usize = 64 * 1024;

/// A read-only session on a source, with what it takes to cancel its running query from
/// another connection.
pub enum Session {
    Postgres { conn: PgConnection, backend_pid: i32 },
    Mysql { conn: MySqlConnection, connection_id: u64, mariadb: bool },
}

/// What a successful connection found.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    pub version: String,
    /// `None` for an unencrypted loopback connection.
    pub tls_version: Option<String>,
}

/// Checks the settings an admin typed, before anything touches the network.
pub fn validate(engine: Engine, settings: &NetworkSettings) -> Result<(), ConnectionFailure> {
    let invalid = |message: String| Err(failure(Kind::InvalidSettings, message));
    let host = settings.host.trim();
    if host.is_empty() || host.len() > 253 || host != settings.host {
        return invalid("Give the server's host name or address, without spaces.".into());
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let ipv6 = bare.parse::<std::net::Ipv6Addr>().is_ok();
    if !ipv6 && !host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) {
        return invalid(format!("{host:?} is not a host name or IP address (give the port in its own field)."));
    }
    if settings.port == 0 {
        return invalid("The port must be between 1 and 65535.".into());
    }
    for (what, value) in [("database", &settings.database), ("user", &settings.user)] {
        if value.is_empty() || value.len() > 128 || value.chars().any(char::is_control) {
            return invalid(format!("Give the {what} name (at most 128 characters, no control characters)."));
        }
    }
    if let Some(name) = &settings.server_name {
        if name.is_empty()
            || name.len() > 253
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'))
        {
            return invalid(format!("{name:?} is not a server name."));
        }
    }
    if settings.ca_certificate.as_ref().is_some_and(|pem| pem.len() > MAX_CA_PEM_BYTES) {
        return invalid(format!("The CA certificate may have at most {MAX_CA_PEM_BYTES} bytes."));
    }
    if settings.unencrypted && !is_loopback_host(host) {
        return Err(failure(
            Kind::ForbiddenAddress,
            "Unencrypted connections are allowed only to this machine (localhost, 127.0.0.1, ::1); \
             use TLS for any other host.",
        ));
    }
    if engine == Engine::Sqlite {
        return invalid("SQLite sources are files, not network servers.".into());
    }
    Ok(())
}

/// Resolves the host once and refuses when any address it names is forbidden, so a name
/// cannot smuggle a forbidden address in beside an allowed one.
async fn resolve(settings: &NetworkSettings, policy: &AddressPolicy) -> Result<Vec<SocketAddr>, ConnectionFailure> {
    let host = settings.host.trim_start_matches('[').trim_end_matches(']');
    let lookup = tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::lookup_host((host, settings.port)))
        .await
        .map_err(|_| failure(Kind::Timeout, format!("Resolving {host:?} took too long.")))?;
    let addresses: Vec<SocketAddr> =
        lookup.map_err(|_| failure(Kind::Unreachable, format!("The name {host:?} does not resolve.")))?.collect();
    if addresses.is_empty() {
        return Err(failure(Kind::Unreachable, format!("The name {host:?} does not resolve.")));
    }
    for address in &addresses {
        policy.check(*address).map_err(|why| failure(Kind::ForbiddenAddress, format!("Refused: {why}.")))?;
        if settings.unencrypted && !is_loopback(address.ip()) {
            return Err(failure(
                Kind::ForbiddenAddress,
                format!("{host:?} resolves to {address}, which is not loopback."),
            ));
        }
    }
    Ok(addresses)
}

/// Opens a read-only session. `password` is exposed only inside this call.
pub async fn connect(
    engine: Engine,
    settings: &NetworkSettings,
    password: Option<&Secret>,
    policy: &AddressPolicy,
) -> Result<(Session, ServerInfo), ConnectionFailure> {
    validate(engine, settings)?;
    let addresses = resolve(settings, policy).await?;
    let address = addresses[0];
    let (route, handshake) = if settings.unencrypted {
        (Route::Direct(address), None)
    } else {
        let roots = root_store(settings.ca_certificate.as_deref())?;
        let server_name = settings.server_name.as_deref().unwrap_or(&settings.host);
        let bridge = tls_bridge::open(engine, address, server_name, roots, settings.port).await?;
        (Route::Bridge(bridge.socket), Some(bridge.handshake))
    };
    let password = match password {
        Some(secret) => {
            Some(secret.expose_str().ok_or_else(|| failure(Kind::Other, "The stored password is not text."))?)
        }
        None => None,
    };
    let opened = tokio::time::timeout(CONNECT_TIMEOUT, async {
        match engine {
            Engine::Postgres => open_postgres(settings, &route, password).await,
            _ => open_mysql(settings, &route, password).await,
        }
    })
    .await
    .map_err(|_| {
        failure(Kind::Timeout, format!("The server did not finish connecting within {} s.", CONNECT_TIMEOUT.as_secs()))
    })?;
    // A failed TLS handshake inside the bridge shows to sqlx as a closed socket; the bridge
    // knows what really failed.
    let (bridge_failure, tls_version) = match handshake.as_ref().and_then(|h| h.lock().ok()) {
        Some(mut h) => (h.failure.take(), h.tls_version.clone()),
        None => (None, None),
    };
    let (session, version) = opened.map_err(|e| bridge_failure.unwrap_or_else(|| classify(&e)))?;
    Ok((session, ServerInfo { version, tls_version }))
}

/// Where sqlx connects: the bridge's Unix socket (TLS), or the checked address itself
/// (unencrypted, loopback only). Either way sqlx never resolves a name.
enum Route {
    Bridge(std::path::PathBuf),
    Direct(SocketAddr),
}

async fn open_postgres(
    settings: &NetworkSettings,
    route: &Route,
    password: Option<&str>,
) -> Result<(Session, String), sqlx::Error> {
    // `new_without_pgpass` still reads PG* variables; the relay refuses to start with any set
    // (see `refuse_libpq_environment`), and every field that matters is set here regardless.
    // TLS is the bridge's; sqlx speaks plain protocol to it.
    let mut options = PgConnectOptions::new_without_pgpass()
        .port(settings.port)
        .username(&settings.user)
        .database(&settings.database)
        .application_name("vizkraft")
        .ssl_mode(PgSslMode::Disable)
        .disable_statement_logging();
    options = match route {
        Route::Bridge(socket) => options.socket(socket),
        Route::Direct(address) => options.host(&address.ip().to_string()),
    };
    if let Some(password) = password {
        options = options.password(password);
    }
    let mut conn = options.connect().await?;
    drop(options);
    for setting in [
        "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY".to_owned(),
        // Notices can quote values; they are not wanted anywhere.
        "SET client_min_messages = error".to_owned(),
        // The guard reads '…' strings the standard way; a server that still treats backslashes
        // as escapes would see a different statement.
        "SET standard_conforming_strings = on".to_owned(),
        format!("SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}"),
    ] {
        sqlx::query(&setting).execute(&mut conn).await?;
    }
    let row = sqlx::query("SELECT pg_backend_pid(), version(), current_setting('server_version_num')::int")
        .fetch_one(&mut conn)
        .await?;
    let (backend_pid, version, version_num): (i32, String, i32) = (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if version_num >= 140_000 {
        // The server notices a vanished client while a query runs (PostgreSQL 14+).
        sqlx::query("SET client_connection_check_interval = 1000").execute(&mut conn).await?;
    }
    Ok((Session::Postgres { conn, backend_pid }, version))
}

async fn open_mysql(
    settings: &NetworkSettings,
    route: &Route,
    password: Option<&str>,
) -> Result<(Session, String), sqlx::Error> {
    let mut options = MySqlConnectOptions::new()
        .port(settings.port)
        .username(&settings.user)
        .database(&settings.database)
        .charset("utf8mb4")
        .ssl_mode(MySqlSslMode::Disabled)
        .disable_statement_logging();
    options = match route {
        Route::Bridge(socket) => options.socket(socket),
        Route::Direct(address) => options.host(&address.ip().to_string()),
    };
    if let Some(password) = password {
        options = options.password(password);
    }
    let mut conn = options.connect().await?;
    drop(options);
    // A known SQL mode: ANSI_QUOTES or NO_BACKSLASH_ESCAPES from the server's configuration
    // would make the server split strings where the guard's MySQL lexer does not.
    sqlx::query("SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'").execute(&mut conn).await?;
    sqlx::query("SET SESSION TRANSACTION READ ONLY").execute(&mut conn).await?;
    let row = sqlx::query("SELECT CONNECTION_ID(), VERSION()").fetch_one(&mut conn).await?;
    let (connection_id, version): (u64, String) = (row.try_get(0)?, row.try_get(1)?);
    let mariadb = version.contains("MariaDB");
    Ok((Session::Mysql { conn, connection_id, mariadb }, version))
}

/// Names what failed in words an admin can act on. Server messages here are about the login
/// or the database, never about rows.
pub fn classify(error: &sqlx::Error) -> ConnectionFailure {
    match error {
        sqlx::Error::Database(db) => {
            let mysql_number = db.try_downcast_ref::<MySqlDatabaseError>().map(|e| e.number());
            let kind = match (db.code().as_deref(), mysql_number) {
                (_, Some(1045)) | (Some("28P01" | "28000"), None) => Kind::Authentication,
                (_, Some(1049 | 1044)) | (Some("3D000"), None) => Kind::DatabaseMissing,
                (Some("42501"), None) => Kind::DatabaseMissing,
                _ => Kind::Other,
            };
            failure(kind, format!("The server refused: {}", db.message()))
        }
        sqlx::Error::Io(e) => failure(Kind::Unreachable, format!("The connection failed: {e}.")),
        sqlx::Error::Tls(e) => failure(Kind::TlsFailed, format!("TLS failed: {e}.")),
        other => failure(Kind::Other, format!("The connection failed: {other}.")),
    }
}

/// Names a session's running query to the server, from another connection.
#[derive(Debug, Clone, Copy)]
pub enum CancelKey {
    Postgres(i32),
    Mysql(u64),
}

impl Session {
    pub fn cancel_key(&self) -> CancelKey {
        match self {
            Session::Postgres { backend_pid, .. } => CancelKey::Postgres(*backend_pid),
            Session::Mysql { connection_id, .. } => CancelKey::Mysql(*connection_id),
        }
    }

    /// Stops the query `key` names. A login may cancel its own sessions on both engines
    /// (`pg_cancel_backend` for the same role; `KILL QUERY` for one's own thread).
    pub async fn cancel(&mut self, key: CancelKey) -> Result<(), sqlx::Error> {
        match (self, key) {
            (Session::Postgres { conn, .. }, CancelKey::Postgres(pid)) => {
                sqlx::query("SELECT pg_cancel_backend($1)").bind(pid).execute(conn).await?;
            }
            (Session::Mysql { conn, .. }, CancelKey::Mysql(id)) => {
                sqlx::query(&format!("KILL QUERY {id}")).execute(conn).await?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Ends the query's transaction and lets go of what a transaction does not: advisory and
    /// named locks, and the prepared statements sqlx caches on the connection (the server lists
    /// their text to whoever asks: `pg_prepared_statements`). A session goes back to the pool
    /// only after this succeeds.
    pub async fn reset(&mut self) -> Result<(), sqlx::Error> {
        use sqlx::{Connection, Executor};
        match self {
            Session::Postgres { conn, .. } => {
                conn.execute("ROLLBACK").await?;
                conn.execute("SELECT pg_advisory_unlock_all()").await?;
                conn.clear_cached_statements().await?;
            }
            Session::Mysql { conn, .. } => {
                conn.execute("ROLLBACK").await?;
                conn.execute("DO RELEASE_ALL_LOCKS()").await?;
                conn.clear_cached_statements().await?;
                // FOUND_ROWS() would otherwise still count the user's last result.
                conn.execute("SELECT 1").await?;
            }
        }
        Ok(())
    }

    pub async fn ping(&mut self) -> Result<(), sqlx::Error> {
        use sqlx::Connection;
        match self {
            Session::Postgres { conn, .. } => conn.ping().await,
            Session::Mysql { conn, .. } => conn.ping().await,
        }
    }

    /// What this login may change, from the catalog and grants (never from rows). Empty for a
    /// read-only login.
    pub async fn writable_privileges(&mut self) -> Result<Vec<String>, sqlx::Error> {
        match self {
            Session::Postgres { conn, .. } => postgres_writable(conn).await,
            Session::Mysql { conn, .. } => mysql_writable(conn).await,
        }
    }
}

/// Role attributes that bypass privileges, tables the login can change, schemas it can create in.
async fn postgres_writable(conn: &mut PgConnection) -> Result<Vec<String>, sqlx::Error> {
    let mut found = Vec::new();
    let role = sqlx::query(
        "SELECT rolsuper, rolreplication, rolbypassrls, rolcreaterole, rolcreatedb
         FROM pg_catalog.pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&mut *conn)
    .await?;
    for (i, what) in [SUPERUSER, REPLICATION, "bypasses row-level security", "can create roles", "can create databases"]
        .iter()
        .enumerate()
    {
        if role.try_get::<bool, _>(i)? {
            found.push((*what).to_owned());
        }
    }
    let tables = sqlx::query_scalar::<_, String>(
        "SELECT format('%s on %I.%I', concat_ws(', ',
                   CASE WHEN has_table_privilege(c.oid, 'INSERT') THEN 'INSERT' END,
                   CASE WHEN has_table_privilege(c.oid, 'UPDATE') THEN 'UPDATE' END,
                   CASE WHEN has_table_privilege(c.oid, 'DELETE') THEN 'DELETE' END,
                   CASE WHEN has_table_privilege(c.oid, 'TRUNCATE') THEN 'TRUNCATE' END), n.nspname, c.relname)
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relkind IN ('r', 'p', 'f') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
           AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE')
         ORDER BY n.nspname, c.relname LIMIT 20",
    )
    .fetch_all(&mut *conn)
    .await?;
    found.extend(tables);
    let schemas = sqlx::query_scalar::<_, String>(
        "SELECT format('CREATE in schema %I', nspname) FROM pg_catalog.pg_namespace
         WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%' AND has_schema_privilege(oid, 'CREATE')
         ORDER BY nspname",
    )
    .fetch_all(&mut *conn)
    .await?;
    found.extend(schemas);
    Ok(found)
}

const SUPERUSER: &str = "superuser";
const REPLICATION: &str = "replication";

/// Privileges no source login may have, accepted or not: with them the login reaches past a
/// read-only transaction (PostgreSQL superusers read server files through views and, like
/// REPLICATION roles, create replication slots; MySQL's FILE and SUPER act on the server).
pub fn refused_privileges(writable: &[String]) -> Vec<String> {
    writable
        .iter()
        .filter(|p| {
            p.as_str() == SUPERUSER
                || p.as_str() == REPLICATION
                || p.starts_with("FILE on")
                || p.starts_with("SUPER on")
                || p.starts_with("ALL PRIVILEGES on *.*")
        })
        .cloned()
        .collect()
}

/// Privileges that only read (https://mariadb.com/kb/en/grant/#privilege-levels).
const MYSQL_READ_PRIVILEGES: &[&str] =
    &["SELECT", "SHOW VIEW", "USAGE", "SHOW DATABASES", "PROCESS", "REPLICATION CLIENT"];

/// Every granted privilege that is not a read, from `SHOW GRANTS` (the grant text, minus any
/// password hash it may carry).
async fn mysql_writable(conn: &mut MySqlConnection) -> Result<Vec<String>, sqlx::Error> {
    let grants: Vec<String> = sqlx::query_scalar("SHOW GRANTS").fetch_all(&mut *conn).await?;
    let mut found = Vec::new();
    for grant in grants {
        let Some(rest) = grant.strip_prefix("GRANT ") else { continue };
        let Some((privileges, rest)) = rest.split_once(" ON ") else { continue };
        let object = rest.split(" TO ").next().unwrap_or_default().trim();
        for name in privilege_names(privileges) {
            if !MYSQL_READ_PRIVILEGES.contains(&name.as_str()) {
                found.push(format!("{name} on {object}"));
            }
        }
    }
    Ok(found)
}

/// `SELECT (a, b), UPDATE (c)` → `SELECT`, `UPDATE`: column lists dropped before splitting.
fn privilege_names(list: &str) -> Vec<String> {
    let mut depth = 0usize;
    let bare: String = list
        .chars()
        .filter(|&c| {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ => return depth == 0,
            }
            false
        })
        .collect();
    bare.split(',').map(|p| p.trim().to_ascii_uppercase()).filter(|p| !p.is_empty()).collect()
}

/// sqlx's PostgreSQL options read `PGSSLCERT`, `PGOPTIONS` and the other libpq variables
/// from the relay's own environment into every connection; refuse to run with any set.
pub fn refuse_libpq_environment() -> anyhow::Result<()> {
    let set: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| name.starts_with("PG"))
        .collect();
    anyhow::ensure!(
        set.is_empty(),
        "the environment sets {}: PostgreSQL client variables would leak into every data-source connection. \
         Unset them before starting the relay",
        set.join(", ")
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_privileges_keep_their_names() {
        assert_eq!(privilege_names("SELECT (a, b), UPDATE (c), INSERT"), ["SELECT", "UPDATE", "INSERT"]);
        assert_eq!(privilege_names("ALL PRIVILEGES"), ["ALL PRIVILEGES"]);
    }

    fn settings(host: &str, unencrypted: bool) -> NetworkSettings {
        NetworkSettings {
            host: host.into(),
            port: 5432,
            database: "db".into(),
            user: "reader".into(),
            ca_certificate: None,
            server_name: None,
            unencrypted,
        }
    }

    #[test]
    fn settings_are_checked_before_the_network() {
        let kind = |s: &NetworkSettings| validate(Engine::Postgres, s).err().map(|f| f.kind);
        assert_eq!(kind(&settings("db.example.com", false)), None);
        assert_eq!(kind(&settings("db.example.com", true)), Some(Kind::ForbiddenAddress));
        assert_eq!(kind(&settings("127.0.0.1", true)), None);
        assert_eq!(kind(&settings(" db", false)), Some(Kind::InvalidSettings));
        assert_eq!(kind(&settings("db/../x", false)), Some(Kind::InvalidSettings));
        assert_eq!(kind(&settings("host?sslmode=disable", false)), Some(Kind::InvalidSettings));
        assert_eq!(kind(&settings("127.0.0.1:5432", false)), Some(Kind::InvalidSettings));
        assert_eq!(kind(&settings("[::1]", false)), None);
        assert_eq!(kind(&settings("fd00::5", false)), None);
        let mut nul_user = settings("db", false);
        nul_user.user = "a\0b".into();
        assert_eq!(kind(&nul_user), Some(Kind::InvalidSettings));
    }
}
