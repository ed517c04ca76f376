//! Catalog metadata of one data source: tables, columns, types and keys. Never rows.

use serde::{Deserialize, Serialize};

/// The database engine behind a source; it decides SQL dialect, quoting and date functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Engine {
    Sqlite,
    Postgres,
    Mysql,
}

impl Engine {
    /// Quotes an identifier for this engine, doubling any embedded quote character.
    pub fn quote_ident(self, name: &str) -> String {
        match self {
            Engine::Mysql => format!("`{}`", name.replace('`', "``")),
            Engine::Sqlite | Engine::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }
}

/// What the compiler and the chart chooser need to know about a column's type, derived from
/// the engine's declared type name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Integer,
    Decimal,
    Text,
    Date,
    Timestamp,
    Boolean,
    Other,
}

impl ColumnKind {
    /// Classifies a declared type name (`INTEGER`, `numeric(10,2)`, `timestamptz`, `varchar(40)` …).
    /// SQLite's type affinity rules (https://www.sqlite.org/datatype3.html §3.1) inspired the
    /// substring checks; they also hold for PostgreSQL and MySQL names.
    pub fn from_declared_type(declared: &str) -> Self {
        let t = declared.to_ascii_lowercase();
        if t.contains("bool") || t == "tinyint(1)" || t == "bit" || t == "bit(1)" {
            ColumnKind::Boolean
        } else if t.contains("timestamp") || t.contains("datetime") {
            ColumnKind::Timestamp
        } else if t == "date" || t.starts_with("date ") {
            ColumnKind::Date
        } else if t.contains("int") || t.contains("serial") {
            ColumnKind::Integer
        } else if ["real", "floa", "doub", "dec", "numeric", "money"].iter().any(|n| t.contains(n)) {
            ColumnKind::Decimal
        } else if ["char", "clob", "text", "string", "enum", "uuid", "citext", "name"].iter().any(|n| t.contains(n)) {
            ColumnKind::Text
        } else {
            ColumnKind::Other
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Decimal)
    }

    pub fn is_temporal(self) -> bool {
        matches!(self, ColumnKind::Date | ColumnKind::Timestamp)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    Table,
    View,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Column {
    pub name: String,
    /// The type name exactly as the catalog declares it.
    pub declared_type: String,
    pub kind: ColumnKind,
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub referenced_table: String,
    pub referenced_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    /// Schema (PostgreSQL) or database (MySQL) the table lives in; `None` for SQLite's `main`.
    pub schema: Option<String>,
    pub name: String,
    pub kind: TableKind,
    pub columns: Vec<Column>,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKey>,
    /// Approximate row count where the catalog keeps one; never counted by reading rows.
    pub row_estimate: Option<u64>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaModel {
    pub engine: Engine,
    pub tables: Vec<Table>,
}

impl SchemaModel {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }
}
