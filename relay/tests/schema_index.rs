//! Catalog-only schema indexing of the real PostgreSQL and MariaDB servers (`support/servers.rs`):
//! the models are right, and no row of a user table is read while indexing — a table the login
//! may not SELECT from is still described, and the servers' own statement logs show that the
//! indexing session touched only `pg_catalog` / `information_schema`.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sqlx::mysql::{MySqlConnection, MySqlPoolOptions};
use sqlx::postgres::{PgConnection, PgPoolOptions, PgRow};
use sqlx::sqlite::{SqliteConnectOptions, SqliteRow};
use sqlx::{Column as _, ConnectOptions, Connection, Row, TypeInfo as _};
use support::servers::{servers, timed, Servers};
use vizkraft_domain::api::sources::SourceSchemaResponse;
use vizkraft_domain::semantic::{compile, ColumnKind, CompileOutcome, ForeignKey, SchemaModel, Table, TableKind};
use vizkraft_relay::schema::{index_mysql, index_postgres, index_sqlite};

const TEST_TABLES: [&str; 4] = ["customers", "orders", "private_notes", "revenue_by_country"];
const CHINOOK_TABLES: [&str; 11] = [
    "Album",
    "Artist",
    "Customer",
    "Employee",
    "Genre",
    "Invoice",
    "InvoiceLine",
    "MediaType",
    "Playlist",
    "PlaylistTrack",
    "Track",
];
/// Run on the indexing connection after indexing; its appearance in the log means every
/// statement before it has been logged.
const DONE_MARKER: &str = "SELECT 'vizkraft-index-done'";

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

fn table<'m>(model: &'m SchemaModel, schema: &str, name: &str) -> &'m Table {
    model
        .tables
        .iter()
        .find(|t| t.schema.as_deref() == Some(schema) && t.name == name)
        .unwrap_or_else(|| panic!("{schema}.{name} is not in the model"))
}

fn names_in(model: &SchemaModel, schema: &str) -> BTreeSet<String> {
    model.tables.iter().filter(|t| t.schema.as_deref() == Some(schema)).map(|t| t.name.clone()).collect()
}

fn kinds(t: &Table) -> Vec<(&str, ColumnKind)> {
    t.columns.iter().map(|c| (c.name.as_str(), c.kind)).collect()
}

fn fk(columns: &[&str], table: &str, referenced: &[&str]) -> ForeignKey {
    ForeignKey {
        columns: columns.iter().map(|s| s.to_string()).collect(),
        referenced_table: table.into(),
        referenced_columns: referenced.iter().map(|s| s.to_string()).collect(),
    }
}

/// The shared test schema, as either engine describes it.
fn assert_test_schema(model: &SchemaModel, schema: &str, with_private_notes: bool) {
    use ColumnKind::*;
    let mut expected: BTreeSet<String> = TEST_TABLES.iter().map(|s| s.to_string()).collect();
    if !with_private_notes {
        expected.remove("private_notes");
    }
    assert_eq!(names_in(model, schema), expected);

    let customers = table(model, schema, "customers");
    assert_eq!(customers.kind, TableKind::Table);
    assert_eq!(kinds(customers), [("id", Integer), ("name", Text), ("country", Text), ("signed_up", Date)]);
    assert_eq!(customers.primary_key, ["id"]);
    assert!(customers.foreign_keys.is_empty());
    assert!(customers.columns.iter().all(|c| !c.nullable));

    let orders = table(model, schema, "orders");
    assert_eq!(
        kinds(orders),
        [("id", Integer), ("customer_id", Integer), ("ordered_at", Timestamp), ("amount", Decimal), ("status", Text)]
    );
    assert_eq!(orders.primary_key, ["id"]);
    assert_eq!(orders.foreign_keys, [fk(&["customer_id"], "customers", &["id"])]);

    if with_private_notes {
        let notes = table(model, schema, "private_notes");
        assert_eq!(kinds(notes), [("id", Integer), ("customer_id", Integer), ("note", Text)]);
        assert_eq!(notes.primary_key, ["id"]);
        assert_eq!(notes.foreign_keys, [fk(&["customer_id"], "customers", &["id"])]);
    }

    let view = table(model, schema, "revenue_by_country");
    assert_eq!(view.kind, TableKind::View);
    assert_eq!(kinds(view), [("country", Text), ("orders", Integer), ("revenue", Decimal)]);
    assert!(view.primary_key.is_empty() && view.foreign_keys.is_empty() && view.row_estimate.is_none());
}

// ------------------------------------------------------------------------------ statement logs

/// Reads `path` from byte `from` until `done` says the wanted lines are there (10 s at most).
async fn read_log_until(path: &Path, from: u64, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes[from as usize..]).into_owned();
        if done(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{} never showed the indexing session's end marker", path.display());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn log_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// The statements PostgreSQL logged for `app` (`log_line_prefix` has `app=%a`). An entry starts
/// with its timestamp; a multi-line statement continues on the lines after it.
fn pg_statements(log: &str, app: &str) -> Vec<String> {
    let tag = format!(" app={app} ");
    let mut entries: Vec<String> = Vec::new();
    for line in log.lines() {
        let starts_entry = line.len() > 19 && line.as_bytes()[..4].iter().all(u8::is_ascii_digit) && &line[4..5] == "-";
        match entries.last_mut() {
            Some(entry) if !starts_entry => {
                entry.push('\n');
                entry.push_str(line);
            }
            _ => entries.push(line.to_owned()),
        }
    }
    entries
        .into_iter()
        .filter(|e| e.lines().next().is_some_and(|first| first.contains(&tag)))
        .filter_map(|e| {
            let (_, rest) = e.split_once(" LOG:  ")?;
            let statement = rest
                .strip_prefix("statement: ")
                .or_else(|| rest.split_once("execute ")?.1.split_once(": ").map(|(_, s)| s))?;
            Some(statement.to_owned())
        })
        .collect()
}

/// The statements MariaDB's general log holds for connection `id`: each entry is
/// `<time or two tabs>\t%6lu <Command>\t<argument>`, continued on following lines.
fn mariadb_statements(log: &str, id: u64) -> Vec<String> {
    let mut entries: Vec<(u64, String, String)> = Vec::new();
    for line in log.lines() {
        let head = if let Some(rest) = line.strip_prefix("\t\t") {
            Some(rest)
        } else if line.len() > 7 && line.as_bytes()[..6].iter().all(u8::is_ascii_digit) && &line[6..7] == " " {
            line.split_once('\t').map(|(_, rest)| rest)
        } else {
            None
        };
        let parsed = head.and_then(|h| {
            let (thread, rest) = h.trim_start().split_once(' ')?;
            let (command, argument) = rest.split_once('\t')?;
            Some((thread.parse().ok()?, command.to_owned(), argument.to_owned()))
        });
        match (parsed, entries.last_mut()) {
            (Some(entry), _) => entries.push(entry),
            (None, Some((_, _, argument))) => {
                argument.push('\n');
                argument.push_str(line);
            }
            (None, None) => {}
        }
    }
    entries
        .into_iter()
        .filter(|(thread, command, _)| *thread == id && matches!(command.as_str(), "Query" | "Prepare" | "Execute"))
        .map(|(_, _, argument)| argument)
        .collect()
}

/// Every FROM/JOIN names a catalog relation (or a subquery), and no user relation's name
/// appears anywhere in any statement.
fn assert_catalog_only(statements: &[String], user_relations: &[&str]) {
    assert!(
        statements.iter().filter(|s| s.contains("pg_catalog.") || s.contains("information_schema.")).count() >= 3,
        "the log does not show the indexing session's catalog queries: {statements:#?}"
    );
    for statement in statements {
        let tokens: Vec<&str> = statement.split_whitespace().collect();
        for pair in tokens.windows(2) {
            if pair[0].eq_ignore_ascii_case("from") || pair[0].eq_ignore_ascii_case("join") {
                let target = pair[1].to_ascii_lowercase();
                assert!(
                    ["pg_catalog.", "information_schema.", "("].iter().any(|p| target.starts_with(p)),
                    "the indexer read from `{}`:\n{statement}",
                    pair[1]
                );
            }
        }
        let words: BTreeSet<String> = statement
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        for name in user_relations {
            assert!(!words.contains(&name.to_lowercase()), "the indexer named `{name}`:\n{statement}");
        }
        assert!(!statement.to_lowercase().contains("public."), "the indexer named the public schema:\n{statement}");
    }
}

// ------------------------------------------------------------------------------ PostgreSQL

async fn pg_connect(s: &Servers, database: &str, app: &str) -> PgConnection {
    timed("connect to PostgreSQL", s.pg_options(s.pg_port, database, &s.ca).application_name(app).connect())
        .await
        .unwrap_or_else(|e| panic!("vk_reader to PostgreSQL: {e}"))
}

#[tokio::test]
async fn postgres_test_schema_is_indexed_from_the_catalog_and_no_row_is_read() {
    let Some(s) = servers() else { return };
    let app = unique("vk-index");
    let mut conn = pg_connect(&s, "vizkraft_test", &app).await;
    let log_start = log_len(&s.pg_log);

    let model = index_postgres(&mut conn).await.unwrap();
    sqlx::query(DONE_MARKER).execute(&mut conn).await.unwrap();
    let log = read_log_until(&s.pg_log, log_start, |l| pg_statements(l, &app).iter().any(|st| st == DONE_MARKER)).await;
    conn.close().await.unwrap();

    assert_eq!(model.engine, vizkraft_domain::semantic::Engine::Postgres);
    // private_notes is described although vk_reader may not SELECT from it.
    assert_test_schema(&model, "public", true);
    assert_catalog_only(&pg_statements(&log, &app), &TEST_TABLES);

    // The premise: vk_reader really cannot read private_notes (LIMIT 0 reads no row).
    let mut conn = pg_connect(&s, "vizkraft_test", "vizkraft-schema-index-premise").await;
    let err = sqlx::query("SELECT 1 FROM private_notes LIMIT 0").execute(&mut conn).await.expect_err("SELECT allowed");
    assert!(err.to_string().contains("permission denied"), "{err}");
    conn.close().await.unwrap();
}

#[tokio::test]
async fn postgres_composite_and_cross_schema_keys_comments_and_kinds_come_through() {
    let Some(s) = servers() else { return };
    let schema = unique("vk_index");
    let admin = s.pg_options_as(&s.pg_admin, s.pg_port, "vizkraft_test", &s.ca);
    let mut conn: PgConnection = timed("connect as vk_admin", admin.connect()).await.unwrap();
    let ddl = format!(
        r#"CREATE SCHEMA {schema};
        SET search_path = {schema};
        CREATE TYPE mood AS ENUM ('calm', 'loud');
        CREATE DOMAIN price AS numeric(8,2);
        CREATE TABLE shelves (site text, code integer, label varchar(40), PRIMARY KEY (site, code));
        COMMENT ON TABLE shelves IS 'Where the books stand';
        COMMENT ON COLUMN shelves.label IS 'Printed on the shelf';
        CREATE TABLE books (
          id bigint PRIMARY KEY, site text, shelf integer, cost price, weight double precision,
          added timestamp with time zone, tags text[], feel mood, reader integer,
          FOREIGN KEY (site, shelf) REFERENCES shelves (site, code),
          FOREIGN KEY (reader) REFERENCES public.customers (id));
        CREATE MATERIALIZED VIEW shelf_counts AS SELECT site, count(*) AS books FROM books GROUP BY site;"#
    );
    sqlx::raw_sql(&ddl).execute(&mut conn).await.unwrap();

    let indexed = index_postgres(&mut conn).await;
    sqlx::raw_sql(&format!("DROP SCHEMA {schema} CASCADE")).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let model = indexed.unwrap();

    use ColumnKind::*;
    let shelves = table(&model, &schema, "shelves");
    assert_eq!(shelves.primary_key, ["site", "code"]);
    assert_eq!(shelves.comment.as_deref(), Some("Where the books stand"));
    assert_eq!(shelves.column("label").unwrap().comment.as_deref(), Some("Printed on the shelf"));
    assert_eq!(shelves.column("label").unwrap().declared_type, "character varying(40)");
    assert!(!shelves.column("site").unwrap().nullable && shelves.column("label").unwrap().nullable);

    let books = table(&model, &schema, "books");
    assert_eq!(
        kinds(books),
        [
            ("id", Integer),
            ("site", Text),
            ("shelf", Integer),
            ("cost", Decimal),
            ("weight", Decimal),
            ("added", Timestamp),
            ("tags", Other),
            ("feel", Text),
            ("reader", Integer)
        ]
    );
    // Keys come in constraint-name order; another schema's table is named `schema.table`.
    assert_eq!(
        books.foreign_keys,
        [fk(&["reader"], "public.customers", &["id"]), fk(&["site", "shelf"], "shelves", &["site", "code"])]
    );

    let counts = table(&model, &schema, "shelf_counts");
    assert_eq!(counts.kind, TableKind::View);
    assert_eq!(kinds(counts), [("site", Text), ("books", Integer)]);
}

#[tokio::test]
async fn postgres_chinook_has_its_eleven_tables_keys_and_row_estimates_after_analyze() {
    let Some(s) = servers() else { return };
    let admin = s.pg_options_as(&s.pg_admin, s.pg_port, "chinook", &s.ca);
    let mut conn: PgConnection = timed("connect as vk_admin", admin.connect()).await.unwrap();
    sqlx::query("ANALYZE").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();

    // Through a pool this time, the way the relay will call it.
    let options = s.pg_options(s.pg_port, "chinook", &s.ca).application_name("vizkraft-schema-index-chinook");
    let pool = PgPoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
    let model = index_postgres(&mut pool.acquire().await.unwrap()).await.unwrap();
    pool.close().await;

    assert_eq!(names_in(&model, "public"), CHINOOK_TABLES.iter().map(|s| s.to_string()).collect());
    let track = table(&model, "public", "Track");
    assert_eq!(track.primary_key, ["TrackId"]);
    for (column, parent) in [("AlbumId", "Album"), ("GenreId", "Genre"), ("MediaTypeId", "MediaType")] {
        let key = fk(&[column], parent, &[&format!("{parent}Id")]);
        assert!(track.foreign_keys.contains(&key), "Track lacks {column} → {parent}: {:?}", track.foreign_keys);
    }
    assert_eq!(table(&model, "public", "PlaylistTrack").primary_key, ["PlaylistId", "TrackId"]);
    assert_eq!(model.tables.iter().map(|t| t.foreign_keys.len()).sum::<usize>(), 11);

    // The tables are small enough that ANALYZE samples every row, so the estimate is the count
    // (which the SQLite copy gives without touching PostgreSQL's rows).
    let mut sqlite = SqliteConnectOptions::new().filename(&s.chinook_sqlite).read_only(true).connect().await.unwrap();
    for name in CHINOOK_TABLES {
        let count: i64 =
            sqlx::query_scalar(&format!(r#"SELECT count(*) FROM "{name}""#)).fetch_one(&mut sqlite).await.unwrap();
        assert_eq!(table(&model, "public", name).row_estimate, Some(count as u64), "{name}");
    }
    sqlite.close().await.unwrap();
}

// ------------------------------------------------------------------------------ the compiler on PostgreSQL

/// A result row as comparable text; values are compared, never printed.
fn cells_pg(row: &PgRow) -> Vec<String> {
    (0..row.len())
        .map(|i| match row.column(i).type_info().name() {
            "INT8" => row.get::<Option<i64>, _>(i).map(|v| v.to_string()).unwrap_or_default(),
            "INT4" => row.get::<Option<i32>, _>(i).map(|v| v.to_string()).unwrap_or_default(),
            "TEXT" | "VARCHAR" => row.get::<Option<String>, _>(i).unwrap_or_default(),
            other => panic!("unexpected result type {other}"),
        })
        .collect()
}

fn cells_sqlite(row: &SqliteRow) -> Vec<String> {
    (0..row.len())
        .map(|i| {
            row.try_get::<Option<i64>, _>(i)
                .map(|v| v.map(|v| v.to_string()))
                .or_else(|_| row.try_get::<Option<String>, _>(i))
                .unwrap()
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn questions_compiled_against_the_indexed_postgres_chinook_answer_as_on_sqlite() {
    let Some(s) = servers() else { return };
    let mut pg = pg_connect(&s, "chinook", "vizkraft-schema-index-compile").await;
    let pg_model = index_postgres(&mut pg).await.unwrap();
    let sqlite_pool = vizkraft_relay::sources::open_read_only(&s.chinook_sqlite).await.unwrap();
    let sqlite_model = index_sqlite(&sqlite_pool).await.unwrap();

    for question in ["how many tracks", "number of tracks per genre", "top 5 artists by number of albums"] {
        let answer = |model: &SchemaModel| match compile(question, model) {
            CompileOutcome::Answer(a) => a.sql,
            CompileOutcome::Clarify(c) => panic!("{question}: declined on {:?}: {}", model.engine, c.message),
        };
        let (pg_sql, sqlite_sql) = (answer(&pg_model), answer(&sqlite_model));
        assert!(pg_sql.contains(r#""public"."#), "{question}: not schema-qualified for PostgreSQL: {pg_sql}");

        let mut on_pg: Vec<Vec<String>> = sqlx::query(&pg_sql)
            .fetch_all(&mut pg)
            .await
            .unwrap_or_else(|e| panic!("{pg_sql}: {e}"))
            .iter()
            .map(cells_pg)
            .collect();
        let mut on_sqlite: Vec<Vec<String>> =
            sqlx::query(&sqlite_sql).fetch_all(&sqlite_pool).await.unwrap().iter().map(cells_sqlite).collect();
        assert!(!on_pg.is_empty(), "{question}: no rows on PostgreSQL");
        // Ties (two artists with ten albums) may come in either order; the row sets must match.
        on_pg.sort();
        on_sqlite.sort();
        assert!(
            on_pg == on_sqlite,
            "{question}: PostgreSQL gave {} rows, SQLite {}, and they differ\n{pg_sql}\n{sqlite_sql}",
            on_pg.len(),
            on_sqlite.len()
        );
    }
    pg.close().await.unwrap();
}

// ------------------------------------------------------------------------------ MariaDB

#[tokio::test]
async fn mariadb_test_database_is_indexed_from_information_schema_and_no_row_is_read() {
    let Some(s) = servers() else { return };
    let mut conn: MySqlConnection =
        timed("connect to MariaDB", s.mariadb_options_as(&s.mariadb_db_reader, &s.ca).connect())
            .await
            .unwrap_or_else(|e| panic!("vk_dbreader to MariaDB: {e}"));
    let id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()").fetch_one(&mut conn).await.unwrap();
    let log_start = log_len(&s.mariadb_general_log);

    let model = index_mysql(&mut conn).await.unwrap();
    sqlx::query(DONE_MARKER).execute(&mut conn).await.unwrap();
    let log = read_log_until(&s.mariadb_general_log, log_start, |l| {
        mariadb_statements(l, id).iter().any(|st| st == DONE_MARKER)
    })
    .await;
    conn.close().await.unwrap();

    assert_eq!(model.engine, vizkraft_domain::semantic::Engine::Mysql);
    assert_test_schema(&model, "vizkraft_test", true);
    let orders = table(&model, "vizkraft_test", "orders");
    assert_eq!(orders.column("ordered_at").unwrap().declared_type, "datetime");
    assert!(orders.row_estimate.is_some(), "InnoDB keeps an estimate of every table's rows");
    let statements = mariadb_statements(&log, id);
    assert_catalog_only(&statements, &TEST_TABLES);
}

#[tokio::test]
async fn mariadb_composite_and_cross_database_keys_comments_and_kinds_come_through() {
    let Some(s) = servers() else { return };
    // A database of its own, so the other tests' view of vizkraft_test stays as it is.
    let database = unique("vk_index");
    let root = s.mariadb_options_as(&s.mariadb_root, &s.ca);
    let mut conn: MySqlConnection = timed("connect as root", root.clone().connect()).await.unwrap();
    sqlx::raw_sql(&format!(
        "CREATE DATABASE {database};
        CREATE TABLE {database}.shelves (site varchar(10), code int, label varchar(40) COMMENT 'Printed on the shelf',
          PRIMARY KEY (site, code)) COMMENT 'Where the books stand';
        CREATE TABLE {database}.books (
          id bigint unsigned PRIMARY KEY, site varchar(10) NOT NULL, shelf int NOT NULL, lent tinyint(1),
          published year, added datetime(6), feel enum('calm','loud'), reader int,
          FOREIGN KEY (site, shelf) REFERENCES {database}.shelves (site, code),
          FOREIGN KEY (reader) REFERENCES vizkraft_test.customers (id));"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    conn.close().await.unwrap();

    let mut conn: MySqlConnection = timed("connect as root", root.database(&database).connect()).await.unwrap();
    let indexed = index_mysql(&mut conn).await;
    sqlx::raw_sql(&format!("DROP DATABASE {database}")).execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let model = indexed.unwrap();

    use ColumnKind::*;
    assert_eq!(names_in(&model, &database), ["books", "shelves"].map(String::from).into());
    let shelves = table(&model, &database, "shelves");
    assert_eq!(shelves.primary_key, ["site", "code"]);
    assert_eq!(shelves.comment.as_deref(), Some("Where the books stand"));
    assert_eq!(shelves.column("label").unwrap().comment.as_deref(), Some("Printed on the shelf"));
    assert_eq!(shelves.column("code").unwrap().comment, None);

    let books = table(&model, &database, "books");
    assert_eq!(
        kinds(books),
        [
            ("id", Integer),
            ("site", Text),
            ("shelf", Integer),
            ("lent", Boolean),
            ("published", Integer),
            ("added", Timestamp),
            ("feel", Text),
            ("reader", Integer)
        ]
    );
    assert!(!books.column("site").unwrap().nullable && books.column("reader").unwrap().nullable);
    let mut keys = books.foreign_keys.clone();
    keys.sort_by(|a, b| a.columns.cmp(&b.columns));
    assert_eq!(
        keys,
        [fk(&["reader"], "vizkraft_test.customers", &["id"]), fk(&["site", "shelf"], "shelves", &["site", "code"])]
    );
}

#[tokio::test]
async fn mariadb_hides_a_table_the_login_holds_no_privilege_on() {
    let Some(s) = servers() else { return };
    let pool = MySqlPoolOptions::new().max_connections(1).connect_with(s.mariadb_options(&s.ca)).await.unwrap();
    let model = index_mysql(&mut pool.acquire().await.unwrap()).await.unwrap();
    pool.close().await;
    // Unlike PostgreSQL's catalogs, information_schema shows only what the login may use.
    assert_test_schema(&model, "vizkraft_test", false);
}

#[test]
#[should_panic(expected = "the indexer read from")]
fn the_log_check_catches_a_read_of_a_user_table() {
    let statements = [
        "SELECT c.oid FROM pg_catalog.pg_class c".to_owned(),
        "SELECT a.attname FROM pg_catalog.pg_attribute a".to_owned(),
        "SELECT k.conname FROM pg_catalog.pg_constraint k JOIN \"customers\" x ON true".to_owned(),
    ];
    assert_catalog_only(&statements, &TEST_TABLES);
}

#[tokio::test]
async fn the_scheduled_refresh_reads_a_changed_catalog_and_keeps_reporting_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let mut writer = SqliteConnectOptions::new().filename(&path).create_if_missing(true).connect().await.unwrap();
    sqlx::query("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)").execute(&mut writer).await.unwrap();
    let limits =
        vizkraft_relay::config::QueryLimits { row_cap: 1_000, statement_timeout_ms: 10_000, byte_cap: 1 << 20 };
    let relay = support::TestRelay::start_with_sources(limits, false, vec![path.clone()]).await;
    let schema_path = format!("/api/v1/sources/{}/schema", vizkraft_relay::sources::source_id_for(&path));
    let (_, before): (_, SourceSchemaResponse) = relay.get(&schema_path).await;
    assert!(before.schema.table("items").is_some() && before.schema.table("orders").is_none());

    // The database changes under the relay; the next scheduled read sees it.
    sqlx::query("CREATE TABLE orders (id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items(id))")
        .execute(&mut writer)
        .await
        .unwrap();
    let schedule = tokio::spawn(vizkraft_relay::sources::refresh_on_schedule(
        relay.sources.clone(),
        relay.meta.clone(),
        Duration::from_secs(1),
    ));
    let after = schema_once(&relay, &schema_path, |now| now.schema.table("orders").is_some()).await;
    assert_eq!(after.changes.added_tables, ["orders"], "{:?}", after.changes);
    assert!(after.changes.removed_tables.is_empty());
    assert!(after.schema.table("items").is_some());
    assert!(after.changed_at.is_some(), "the report says when the change was found");

    // Reads that find nothing new keep the report, so it waits for someone to see it.
    let later = schema_once(&relay, &schema_path, |now| now.indexed_at > after.indexed_at).await;
    schedule.abort();
    assert_eq!(later.changes, after.changes);
    assert_eq!(later.changed_at, after.changed_at);
}

/// The source's schema as soon as it satisfies `done`, polled while the schedule runs.
async fn schema_once(
    relay: &support::TestRelay,
    schema_path: &str,
    done: impl Fn(&SourceSchemaResponse) -> bool,
) -> SourceSchemaResponse {
    let started = Instant::now();
    loop {
        let (_, now): (_, SourceSchemaResponse) = relay.get(schema_path).await;
        if done(&now) {
            return now;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "the schedule never read the catalog again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
