//! Reads a PostgreSQL database's catalog: `pg_class`, `pg_namespace`, `pg_attribute`, `pg_type`,
//! `pg_constraint` and `pg_description`, with `reltuples` as the row estimate. No user table is
//! read, so a table the login may not SELECT from is still described (the catalogs are readable
//! by every role: https://www.postgresql.org/docs/15/catalogs-overview.html).

use std::collections::HashMap;

use sqlx::postgres::types::Oid;
use sqlx::postgres::PgConnection;
use sqlx::{Connection, Row};
use vizkraft_domain::semantic::{Column, ColumnKind, Engine, ForeignKey, SchemaModel, Table, TableKind};

use super::qualified;

/// Ordinary, partitioned and foreign tables, views and materialized views outside the system
/// schemas. Names beginning `pg_` are reserved for system schemas (`pg_toast`, `pg_temp_N` …;
/// https://www.postgresql.org/docs/15/ddl-schemas.html §5.9.5), so one test excludes them all.
/// Partitions are left out: their parent stands for them.
const RELATIONS: &str = "
SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS relkind,
       c.reltuples::float8 AS reltuples, d.description AS comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = c.oid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = 0
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm')
  AND NOT c.relispartition
  AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
ORDER BY n.nspname, c.relname";

/// Live columns in order. A domain's kind comes from its base type and an enum's is text; the
/// declared type stays the name the catalog gives.
const COLUMNS: &str = "
SELECT a.attrelid AS oid, a.attname::text AS name,
       pg_catalog.format_type(a.atttypid, a.atttypmod) AS declared_type,
       CASE t.typtype
         WHEN 'd' THEN pg_catalog.format_type(t.typbasetype, t.typtypmod)
         WHEN 'e' THEN 'text'
       END AS base_type,
       a.attnotnull AS not_null, d.description AS comment
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_description d
  ON d.objoid = a.attrelid AND d.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objsubid = a.attnum
WHERE a.attrelid = ANY($1) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum";

/// Primary and foreign keys with their columns in key order. A foreign key that references a
/// partitioned table also gets one derived row per partition (`conparentid` set); only the
/// top-level constraint is the user's.
const KEYS: &str = "
SELECT k.conrelid AS oid, k.contype::text AS kind,
       ARRAY(SELECT a.attname::text
             FROM pg_catalog.unnest(k.conkey) WITH ORDINALITY AS u(attnum, i)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum
             ORDER BY u.i) AS columns,
       rn.nspname::text AS referenced_schema, rc.relname::text AS referenced_table,
       ARRAY(SELECT a.attname::text
             FROM pg_catalog.unnest(k.confkey) WITH ORDINALITY AS u(attnum, i)
             JOIN pg_catalog.pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum
             ORDER BY u.i) AS referenced_columns
FROM pg_catalog.pg_constraint k
LEFT JOIN pg_catalog.pg_class rc ON rc.oid = k.confrelid
LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace
WHERE k.conrelid = ANY($1) AND k.contype IN ('p', 'f') AND k.conparentid = 0
ORDER BY k.conrelid, k.conname";

/// Indexes every schema's tables and views that the catalog lists, in one read-only snapshot.
/// The connection must not be inside a transaction: the snapshot's isolation level can only be
/// set first thing.
pub async fn index_postgres(conn: &mut PgConnection) -> Result<SchemaModel, sqlx::Error> {
    let mut tx = conn.begin().await?;
    // One snapshot for all three reads, so a concurrent DDL cannot tear the model.
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;

    let mut tables = Vec::new();
    let mut index: HashMap<Oid, usize> = HashMap::new();
    for row in sqlx::query(RELATIONS).fetch_all(&mut *tx).await? {
        let relkind: String = row.try_get("relkind")?;
        let kind = if matches!(relkind.as_str(), "v" | "m") { TableKind::View } else { TableKind::Table };
        let reltuples: f64 = row.try_get("reltuples")?;
        index.insert(row.try_get("oid")?, tables.len());
        tables.push(Table {
            schema: Some(row.try_get("schema")?),
            name: row.try_get("name")?,
            kind,
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
            // -1 means "never vacuumed or analyzed" (PostgreSQL 14+); views keep 0 or -1.
            row_estimate: (kind == TableKind::Table && reltuples >= 0.0).then(|| reltuples.round() as u64),
            comment: row.try_get("comment")?,
        });
    }
    let oids: Vec<Oid> = index.keys().copied().collect();

    for row in sqlx::query(COLUMNS).bind(&oids).fetch_all(&mut *tx).await? {
        let Some(&i) = index.get(&row.try_get::<Oid, _>("oid")?) else { continue };
        let declared_type: String = row.try_get("declared_type")?;
        let base_type: Option<String> = row.try_get("base_type")?;
        tables[i].columns.push(Column {
            kind: ColumnKind::from_declared_type(base_type.as_deref().unwrap_or(&declared_type)),
            name: row.try_get("name")?,
            declared_type,
            nullable: !row.try_get::<bool, _>("not_null")?,
            comment: row.try_get("comment")?,
        });
    }

    for row in sqlx::query(KEYS).bind(&oids).fetch_all(&mut *tx).await? {
        let Some(&i) = index.get(&row.try_get::<Oid, _>("oid")?) else { continue };
        let columns: Vec<String> = row.try_get("columns")?;
        if row.try_get::<String, _>("kind")? == "p" {
            tables[i].primary_key = columns;
            continue;
        }
        let referenced_schema: Option<String> = row.try_get("referenced_schema")?;
        let Some(referenced_table) = row.try_get::<Option<String>, _>("referenced_table")? else { continue };
        let referenced_table = qualified(tables[i].schema.as_deref(), referenced_schema.as_deref(), referenced_table);
        tables[i].foreign_keys.push(ForeignKey {
            columns,
            referenced_table,
            referenced_columns: row.try_get("referenced_columns")?,
        });
    }
    tx.commit().await?;

    Ok(SchemaModel { engine: Engine::Postgres, tables })
}
