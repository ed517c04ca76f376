//! Reads a MySQL or MariaDB database's catalog: `information_schema` `TABLES` (with `TABLE_ROWS`
//! as the row estimate), `COLUMNS` and `KEY_COLUMN_USAGE`, for the connection's current database
//! only. No user table is read. The server lists only the objects the login holds some privilege
//! on (https://mariadb.com/kb/en/information-schema-tables-table/), so a table the login may not
//! read is absent, unlike in PostgreSQL.

use std::collections::HashMap;

use sqlx::mysql::MySqlConnection;
use sqlx::Row;
use vizkraft_domain::semantic::{Column, ColumnKind, Engine, ForeignKey, SchemaModel, Table, TableKind};

use super::qualified;

/// `SYSTEM VERSIONED` is MariaDB's name for a base table with history; sequences are left out.
const TABLES: &str = "
SELECT TABLE_NAME AS name, TABLE_TYPE AS type, TABLE_ROWS AS table_rows, TABLE_COMMENT AS comment
FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ? AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED', 'VIEW')
ORDER BY TABLE_NAME";

const COLUMNS: &str = "
SELECT TABLE_NAME AS table_name, COLUMN_NAME AS name, COLUMN_TYPE AS declared_type,
       IS_NULLABLE AS is_nullable, COLUMN_COMMENT AS comment
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = ?
ORDER BY TABLE_NAME, ORDINAL_POSITION";

/// The primary key is always the constraint named `PRIMARY`
/// (https://dev.mysql.com/doc/refman/8.0/en/create-table.html#create-table-indexes-keys).
const KEYS: &str = "
SELECT TABLE_NAME AS table_name, CONSTRAINT_NAME AS constraint_name, COLUMN_NAME AS column_name,
       REFERENCED_TABLE_SCHEMA AS referenced_schema, REFERENCED_TABLE_NAME AS referenced_table,
       REFERENCED_COLUMN_NAME AS referenced_column
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = ? AND (CONSTRAINT_NAME = 'PRIMARY' OR REFERENCED_TABLE_NAME IS NOT NULL)
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

/// Indexes the tables and views of the connection's current database (`DATABASE()`); it is an
/// error to call this without one.
pub async fn index_mysql(conn: &mut MySqlConnection) -> Result<SchemaModel, sqlx::Error> {
    let database: Option<String> = sqlx::query_scalar("SELECT DATABASE()").fetch_one(&mut *conn).await?;
    let database = database.ok_or_else(|| sqlx::Error::Configuration("no database selected to index".into()))?;

    let mut tables = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for row in sqlx::query(TABLES).bind(&database).fetch_all(&mut *conn).await? {
        let name: String = row.try_get("name")?;
        let kind = if row.try_get::<String, _>("type")? == "VIEW" { TableKind::View } else { TableKind::Table };
        // A view's TABLE_COMMENT is the word `VIEW`; InnoDB's TABLE_ROWS is an estimate
        // (https://dev.mysql.com/doc/refman/8.0/en/information-schema-tables-table.html).
        let comment: String = row.try_get("comment")?;
        index.insert(name.clone(), tables.len());
        tables.push(Table {
            schema: Some(database.clone()),
            name,
            kind,
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            row_estimate: if kind == TableKind::Table { row.try_get("table_rows")? } else { None },
            comment: (kind == TableKind::Table && !comment.is_empty()).then_some(comment),
        });
    }

    for row in sqlx::query(COLUMNS).bind(&database).fetch_all(&mut *conn).await? {
        let Some(&i) = index.get(&row.try_get::<String, _>("table_name")?) else { continue };
        let declared_type: String = row.try_get("declared_type")?;
        let comment: String = row.try_get("comment")?;
        tables[i].columns.push(Column {
            kind: ColumnKind::from_declared_type(&declared_type),
            name: row.try_get("name")?,
            declared_type,
            nullable: row.try_get::<String, _>("is_nullable")? == "YES",
            comment: (!comment.is_empty()).then_some(comment),
        });
    }

    let mut last_key: Option<(usize, String)> = None;
    for row in sqlx::query(KEYS).bind(&database).fetch_all(&mut *conn).await? {
        let Some(&i) = index.get(&row.try_get::<String, _>("table_name")?) else { continue };
        let constraint: String = row.try_get("constraint_name")?;
        let column: String = row.try_get("column_name")?;
        if constraint == "PRIMARY" {
            tables[i].primary_key.push(column);
            continue;
        }
        let referenced_column: String = row.try_get("referenced_column")?;
        let key = Some((i, constraint));
        match tables[i].foreign_keys.last_mut() {
            // Rows come in key order, so a composite key's columns are consecutive.
            Some(fk) if last_key == key => {
                fk.columns.push(column);
                fk.referenced_columns.push(referenced_column);
            }
            _ => {
                let referenced_schema: Option<String> = row.try_get("referenced_schema")?;
                let referenced_table: String = row.try_get("referenced_table")?;
                tables[i].foreign_keys.push(ForeignKey {
                    columns: vec![column],
                    referenced_table: qualified(Some(&database), referenced_schema.as_deref(), referenced_table),
                    referenced_columns: vec![referenced_column],
                });
            }
        }
        last_key = key;
    }
    Ok(SchemaModel { engine: Engine::Mysql, tables })
}
