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
    /// Classifies a declared type name (`INTEGER`, `numeric(10,2)`, `timestamptz`, `varchar(40)`,
    /// `timestamp with time zone`, `tinyint(1)` …). SQLite's type affinity rules
    /// (https://www.sqlite.org/datatype3.html §3.1) inspired the substring checks; they also hold
    /// for PostgreSQL's `format_type` names and MySQL's `COLUMN_TYPE`, once the names that
    /// contain `int` without being integers (`interval`, `point`, `int4range`) and arrays are
    /// taken out first.
    pub fn from_declared_type(declared: &str) -> Self {
        let t = declared.trim().to_ascii_lowercase();
        // MySQL's BOOLEAN is tinyint(1) (https://dev.mysql.com/doc/refman/8.0/en/numeric-type-syntax.html).
        if t.contains("bool") || t == "tinyint(1)" || t == "bit" || t == "bit(1)" {
            ColumnKind::Boolean
        } else if t.ends_with("[]")
            || t.starts_with("interval")
            || t.ends_with("range")
            || ["point", "polygon", "linestring", "geometry", "geography"].iter().any(|n| t.contains(n))
        {
            ColumnKind::Other
        } else if t.contains("timestamp") || t.contains("datetime") {
            ColumnKind::Timestamp
        } else if t == "date" || t.starts_with("date ") {
            ColumnKind::Date
        } else if t.contains("int") || t.contains("serial") || t == "year" || t.starts_with("year(") {
            // MySQL's YEAR holds a whole year number, which the compiler treats as an integer year.
            ColumnKind::Integer
        } else if ["real", "floa", "doub", "dec", "numeric", "money"].iter().any(|n| t.contains(n)) {
            ColumnKind::Decimal
        } else if ["char", "clob", "text", "string", "enum", "uuid", "citext", "name"].iter().any(|n| t.contains(n))
            || t.starts_with("set(")
        {
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
    /// The catalog's comment on the column (`COMMENT ON COLUMN`, MySQL's `COMMENT '…'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
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
    /// The catalog's comment on the table or view.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::ColumnKind::{self, *};

    fn kinds(names: &[&str]) -> Vec<ColumnKind> {
        names.iter().map(|n| ColumnKind::from_declared_type(n)).collect()
    }

    #[test]
    fn postgres_format_type_names_get_their_kinds() {
        assert_eq!(
            kinds(&["integer", "bigint", "smallint", "numeric(10,2)", "double precision", "real", "money"]),
            [Integer, Integer, Integer, Decimal, Decimal, Decimal, Decimal]
        );
        assert_eq!(
            kinds(&["character varying(100)", "character(2)", "text", "uuid", "name", "citext"]),
            [Text, Text, Text, Text, Text, Text]
        );
        assert_eq!(
            kinds(&["timestamp without time zone", "timestamp(3) with time zone", "date", "boolean"]),
            [Timestamp, Timestamp, Date, Boolean]
        );
    }

    #[test]
    fn postgres_names_that_contain_int_or_date_but_are_not_scalars_are_other() {
        assert_eq!(
            kinds(&["interval", "interval day to second", "point", "integer[]", "text[]", "int4range", "daterange"]),
            [Other, Other, Other, Other, Other, Other, Other]
        );
        assert_eq!(kinds(&["time without time zone", "jsonb", "bytea", "inet"]), [Other, Other, Other, Other]);
    }

    #[test]
    fn mysql_column_types_get_their_kinds() {
        assert_eq!(
            kinds(&["int(11)", "bigint(20) unsigned", "tinyint(4)", "mediumint(9)", "year", "year(4)"]),
            [Integer, Integer, Integer, Integer, Integer, Integer]
        );
        assert_eq!(kinds(&["tinyint(1)", "bit(1)"]), [Boolean, Boolean]);
        assert_eq!(kinds(&["datetime", "datetime(6)", "timestamp", "date"]), [Timestamp, Timestamp, Timestamp, Date]);
        assert_eq!(kinds(&["decimal(10,2)", "double", "float unsigned"]), [Decimal, Decimal, Decimal]);
        assert_eq!(
            kinds(&["varchar(100)", "longtext", "enum('paid','refunded')", "set('a','b')"]),
            [Text, Text, Text, Text]
        );
        assert_eq!(kinds(&["blob", "json", "geometry", "multipolygon"]), [Other, Other, Other, Other]);
    }

    #[test]
    fn sqlite_declared_types_keep_their_affinity_kinds() {
        assert_eq!(
            kinds(&["INTEGER", "NVARCHAR(120)", "NUMERIC(10,2)", "DATETIME", "REAL", "BLOB", ""]),
            [Integer, Text, Decimal, Timestamp, Decimal, Other, Other]
        );
    }
}
