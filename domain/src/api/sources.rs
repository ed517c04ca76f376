//! Data sources: the list a user can pick from and each source's schema.

use serde::{Deserialize, Serialize};

use crate::semantic::{Engine, SchemaModel};

/// Stable identifier of a data source, as used in URLs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct SourceId(pub String);

impl std::fmt::Display for SourceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceSummary {
    pub id: SourceId,
    pub name: String,
    pub engine: Engine,
    /// Example questions that fit this source's schema, for a first-time user.
    pub example_questions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSourcesResponse {
    pub sources: Vec<SourceSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceSchemaResponse {
    pub source: SourceSummary,
    /// When the relay last read the catalog, as RFC 3339.
    pub indexed_at: String,
    pub schema: SchemaModel,
    /// What the last catalog read that found a difference changed (empty until one does).
    #[serde(default)]
    pub changes: SchemaChanges,
    /// When that read was, as RFC 3339.
    #[serde(default)]
    pub changed_at: Option<String>,
}

/// How the relay reaches a source. Never carries a password: that travels only in
/// `SourceRequest::password`, towards the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "engine", rename_all = "snake_case")]
pub enum ConnectionSettings {
    /// A file in the directory the relay's operator set aside for SQLite sources, named
    /// relative to it.
    Sqlite {
        file: String,
    },
    Postgres(NetworkSettings),
    Mysql(NetworkSettings),
}

impl ConnectionSettings {
    pub fn engine(&self) -> Engine {
        match self {
            ConnectionSettings::Sqlite { .. } => Engine::Sqlite,
            ConnectionSettings::Postgres(_) => Engine::Postgres,
            ConnectionSettings::Mysql(_) => Engine::Mysql,
        }
    }

    pub fn network(&self) -> Option<&NetworkSettings> {
        match self {
            ConnectionSettings::Sqlite { .. } => None,
            ConnectionSettings::Postgres(n) | ConnectionSettings::Mysql(n) => Some(n),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkSettings {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    /// PEM of the certificate authority that signed the server's certificate. When given it is
    /// the only one trusted; without it, the public web PKI roots are.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificate: Option<String>,
    /// The name the server's certificate must carry, when it is not `host` (for example when
    /// `host` is an IP address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_name: Option<String>,
    /// Plain TCP without TLS. Allowed only to a loopback address, and shown as unencrypted.
    #[serde(default)]
    pub unencrypted: bool,
}

/// Add, edit or test a source.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceRequest {
    pub name: String,
    pub connection: ConnectionSettings,
    /// Write-only: sealed in the vault, never returned. When editing or testing a saved
    /// source, leave it out to keep the stored one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// The admin has seen that this login can change data and keeps it anyway.
    #[serde(default)]
    pub accept_writable_login: bool,
}

impl std::fmt::Debug for SourceRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceRequest")
            .field("name", &self.name)
            .field("connection", &self.connection)
            .field("password", &self.password.as_ref().map(|_| "‹redacted›"))
            .field("accept_writable_login", &self.accept_writable_login)
            .finish()
    }
}

/// A source as its admins see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SourceDetails {
    pub source: SourceSummary,
    pub connection: ConnectionSettings,
    /// A password is stored (it is never shown).
    pub has_password: bool,
    /// What the login may change, found at the last connection test; empty when read-only.
    pub writable_privileges: Vec<String>,
    /// When the relay last read the catalog, as RFC 3339.
    pub indexed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListSourceDetailsResponse {
    pub sources: Vec<SourceDetails>,
    /// Operator-configured sources (command line) cannot be edited through the API.
    pub read_only_ids: Vec<SourceId>,
}

/// What stopped a connection, precisely enough to fix it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionFailureKind {
    /// A field is missing or malformed.
    InvalidSettings,
    /// The address is one the relay refuses to connect to (its own, link-local, operator-denied).
    ForbiddenAddress,
    /// The name does not resolve, or nothing answers at host and port.
    Unreachable,
    /// No answer in time.
    Timeout,
    /// The server does not offer TLS.
    TlsUnavailable,
    /// The server's certificate does not chain to the trusted certificate authority.
    CertificateUntrusted,
    /// The certificate is trusted but names another host.
    NameMismatch,
    /// The TLS handshake failed for another reason (protocol version, expired certificate …).
    TlsFailed,
    /// User name or password refused.
    Authentication,
    /// The server has no such database (or the login may not open it).
    DatabaseMissing,
    /// The login can change data and the admin has not accepted that.
    WritableLogin,
    /// The login is a superuser, a replication role, or has FILE/SUPER: never accepted.
    PrivilegedLogin,
    /// The SQLite file is missing, outside the sources directory, or not a database.
    FileRefused,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionFailure {
    pub kind: ConnectionFailureKind,
    pub message: String,
}

/// The outcome of "Test connection": either a failure, or what the relay found.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectionTestResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<ConnectionFailure>,
    /// The server's version string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
    /// The TLS protocol in use (`TLSv1.3`), or `None` for an unencrypted connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version: Option<String>,
    /// What the login may change: anything here needs `accept_writable_login`.
    #[serde(default)]
    pub writable_privileges: Vec<String>,
    /// Tables and views the catalog lists.
    #[serde(default)]
    pub table_count: usize,
}

/// SQLite files an admin may add, from the operator's sources directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SqliteFilesResponse {
    /// `false` when the operator configured no directory: SQLite sources cannot be added.
    pub directory_configured: bool,
    /// Paths relative to that directory.
    pub files: Vec<String>,
}

/// What changed between two catalog reads of a source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaChanges {
    pub added_tables: Vec<String>,
    pub removed_tables: Vec<String>,
    pub changed_tables: Vec<TableChanges>,
}

impl SchemaChanges {
    pub fn is_empty(&self) -> bool {
        self.added_tables.is_empty() && self.removed_tables.is_empty() && self.changed_tables.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TableChanges {
    pub table: String,
    pub added_columns: Vec<String>,
    pub removed_columns: Vec<String>,
    /// `column: old type → new type`.
    pub retyped_columns: Vec<String>,
}

/// The answer to a schema refresh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaRefreshResponse {
    pub indexed_at: String,
    pub changes: SchemaChanges,
}
