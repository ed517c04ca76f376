//! Reads a SQLite database's catalog: `sqlite_schema`, `pragma_table_info`,
//! `pragma_foreign_key_list`, and `sqlite_stat1` for row estimates. No user table is read.

use std::collections::HashMap;

use sqlx::{Row, SqlitePool};
use vizkraft_domain::semantic::{Column, ColumnKind, Engine, ForeignKey, SchemaModel, Table, TableKind};

pub async fn index_sqlite(pool: &SqlitePool) -> Result<SchemaModel, sqlx::Error> {
    let objects = sqlx::query(
        "SELECT name, type FROM sqlite_schema
         WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
         ORDER BY name",
    )
    .fetch_all(pool)
    .await?;
    let estimates = row_estimates(pool).await?;

    let mut tables = Vec::with_capacity(objects.len());
    for object in objects {
        let name: String = object.try_get("name")?;
        let kind = if object.try_get::<String, _>("type")? == "view" { TableKind::View } else { TableKind::Table };
        let mut columns = Vec::new();
        let mut primary_key: Vec<(i64, String)> = Vec::new();
        for info in sqlx::query(r#"SELECT name, type, "notnull", pk FROM pragma_table_info(?)"#)
            .bind(&name)
            .fetch_all(pool)
            .await?
        {
            let column: String = info.try_get("name")?;
            let declared_type: String = info.try_get("type")?;
            let pk: i64 = info.try_get("pk")?;
            if pk > 0 {
                primary_key.push((pk, column.clone()));
            }
            columns.push(Column {
                kind: ColumnKind::from_declared_type(&declared_type),
                nullable: info.try_get::<i64, _>("notnull")? == 0 && pk == 0,
                name: column,
                declared_type,
                comment: None,
            });
        }
        primary_key.sort();
        tables.push(Table {
            schema: None,
            foreign_keys: foreign_keys(pool, &name).await?,
            row_estimate: estimates.get(&name.to_lowercase()).copied(),
            name,
            kind,
            columns,
            primary_key: primary_key.into_iter().map(|(_, c)| c).collect(),
            comment: None,
        });
    }
    resolve_implicit_references(&mut tables);
    Ok(SchemaModel { engine: Engine::Sqlite, tables })
}

async fn foreign_keys(pool: &SqlitePool, table: &str) -> Result<Vec<ForeignKey>, sqlx::Error> {
    let rows = sqlx::query(r#"SELECT id, seq, "table", "from", "to" FROM pragma_foreign_key_list(?) ORDER BY id, seq"#)
        .bind(table)
        .fetch_all(pool)
        .await?;
    let mut keys: Vec<(i64, ForeignKey)> = Vec::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let from: String = row.try_get("from")?;
        let to: Option<String> = row.try_get("to")?;
        let referenced: String = row.try_get("table")?;
        match keys.last_mut() {
            Some((last, fk)) if *last == id => {
                fk.columns.push(from);
                fk.referenced_columns.extend(to);
            }
            _ => keys.push((
                id,
                ForeignKey {
                    columns: vec![from],
                    referenced_table: referenced,
                    referenced_columns: to.into_iter().collect(),
                },
            )),
        }
    }
    Ok(keys.into_iter().map(|(_, fk)| fk).collect())
}

/// `REFERENCES t` without columns means t's primary key (https://www.sqlite.org/foreignkeys.html §3).
fn resolve_implicit_references(tables: &mut [Table]) {
    let keys: HashMap<String, Vec<String>> =
        tables.iter().map(|t| (t.name.to_lowercase(), t.primary_key.clone())).collect();
    for table in tables.iter_mut() {
        for fk in &mut table.foreign_keys {
            if fk.referenced_columns.is_empty() {
                if let Some(pk) = keys.get(&fk.referenced_table.to_lowercase()) {
                    fk.referenced_columns = pk.clone();
                }
            }
        }
    }
}

/// Row counts from `sqlite_stat1` (written by ANALYZE): the first number of a table's stat.
async fn row_estimates(pool: &SqlitePool) -> Result<HashMap<String, u64>, sqlx::Error> {
    let has_stats: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1')")
        .fetch_one(pool)
        .await?;
    if !has_stats {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query("SELECT tbl, stat FROM sqlite_stat1").fetch_all(pool).await?;
    let mut estimates = HashMap::new();
    for row in rows {
        let table: String = row.try_get("tbl")?;
        let stat: Option<String> = row.try_get("stat")?;
        if let Some(count) = stat.as_deref().and_then(|s| s.split_whitespace().next()).and_then(|n| n.parse().ok()) {
            estimates.entry(table.to_lowercase()).or_insert(count);
        }
    }
    Ok(estimates)
}
