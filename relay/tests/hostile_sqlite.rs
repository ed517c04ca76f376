//! Hostile SQL against a SQLite source, through the relay's real HTTP path (`/api/v1/query`
//! as the owner). Every case must end in a clear refusal, a database error, a timeout or a
//! capped result; the database (every row, the schema, the header pragmas, the file's bytes
//! and the files beside it) must be exactly as before; and the relay must answer the next
//! query.
//!
//! The cases run against a small database made for each test in a temp dir, never against
//! the shared demo database other tests read.
//!
//! Not reachable from SQL, so not here: URI filename tricks (`file:…?mode=rwc`) apply only to
//! the filename the operator configures, which the relay passes through the filename setter
//! (see `sources/sqlite.rs`); a request can only name a source id. `ATTACH` with a URI is
//! covered below and refused by the guard.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, Row, SqliteConnection, TypeInfo, ValueRef};
use vizkraft_domain::api::query::{Cell, ResultFrame};
use vizkraft_relay::config::QueryLimits;

use support::{rows_of, TestRelay};

use support::hostile::{outcome, Case, Expect, Expect::*};

// In the SQL of a case, `{dir}` stands for the database's directory.

/// More than one statement, however the separator is dressed. sqlx-sqlite runs every
/// `;`-separated statement, so the guard is the only barrier here.
const MULTI_STATEMENT: &[Case] = &[
    ("a write after a read", "SELECT 1; DELETE FROM orders", Refused),
    ("a write before a read", "DELETE FROM orders; SELECT 1", Refused),
    ("two reads", "SELECT 1; SELECT 2", Refused),
    ("a separator between newlines", "SELECT 1\n;\n\n  DELETE FROM orders", Refused),
    ("a separator between tabs and CRLF", "SELECT 1\t;\r\nINSERT INTO customers (name) VALUES ('x')", Refused),
    ("a block comment right after the separator", "SELECT 1;/* hi */DELETE FROM orders", Refused),
    ("a line comment after the separator", "SELECT 1; -- now\nDROP TABLE orders", Refused),
    ("a separator after a line comment", "SELECT 1 -- first\n; UPDATE orders SET total = 0", Refused),
    ("an empty statement between separators", "SELECT 1;;DELETE FROM orders", Refused),
    ("a trailing statement after a comment", "SELECT 1; /* ; */ DELETE FROM orders", Refused),
    ("a separator inside a string literal is not a split", "SELECT 'a;DELETE FROM orders' AS s", Reads),
    ("a separator inside a bracket identifier is not a split", "SELECT 1 AS [x;DELETE FROM orders]", Reads),
    ("a separator inside a quoted identifier is not a split", "SELECT 1 AS \"x;DELETE FROM orders\"", Reads),
    ("one trailing separator is still one statement", "SELECT 1;  ", Reads),
];

/// Comments that hide, or seem to hide, a statement. The guard and SQLite must read the
/// same text as code.
const COMMENTS: &[Case] = &[
    ("a block comment before a write", "/* report */ DELETE FROM orders", Refused),
    ("a line comment before a write", "-- SELECT 1\nDELETE FROM orders", Refused),
    ("a separator inside a block comment", "SELECT 1 /* ; */ ; DELETE FROM orders", Refused),
    ("comments do not nest in SQLite", "SELECT 1 /* /* */ ; DELETE FROM orders /* */", Refused),
    ("a write inside a line comment stays a comment", "SELECT 1 -- ; DELETE FROM orders", Reads),
    ("a carriage return does not end a line comment", "SELECT 1 --\r; DELETE FROM orders", Reads),
    ("an unterminated block comment", "SELECT 1 /* ; DELETE FROM orders", Unparseable),
    ("a MySQL executable comment is only a comment here", "SELECT 1 /*! ; DELETE FROM orders */", Reads),
    ("a backslash does not escape a quote in SQLite", "SELECT 'x\\'; DELETE FROM orders; --'", Refused),
    ("a hash is no comment in SQLite", "SELECT 1 # ; DELETE FROM orders", Unparseable),
    ("dollar quotes are no strings in SQLite", "SELECT $$;DELETE FROM orders;$$", Unparseable),
];

/// NUL characters: SQLite stops reading at a NUL (https://www.sqlite.org/c3ref/prepare.html),
/// so the guard and the database would see different text.
const NUL_CHARACTERS: &[Case] = &[
    ("a NUL after the statement", "SELECT 1\0; DELETE FROM orders", Unparseable),
    ("a NUL inside a line comment", "SELECT 1 -- \0", Unparseable),
    ("a NUL inside a block comment", "SELECT 1 /* \0 */", Unparseable),
    ("a NUL inside a string literal", "SELECT 'a\0b'", Unparseable),
];

/// Data-modifying statements.
const DML: &[Case] = &[
    ("INSERT VALUES", "INSERT INTO customers (name, country) VALUES ('x', 'y')", Refused),
    ("INSERT SELECT", "INSERT INTO customers (name) SELECT name FROM customers", Refused),
    ("INSERT RETURNING", "INSERT INTO customers (name) VALUES ('x') RETURNING id", Refused),
    ("UPDATE", "UPDATE orders SET total = 0", Refused),
    ("UPDATE FROM", "UPDATE orders SET total = 0 FROM customers WHERE customers.id = orders.customer_id", Refused),
    ("DELETE", "DELETE FROM orders", Refused),
    ("DELETE RETURNING", "DELETE FROM orders WHERE id = 1 RETURNING *", Refused),
    ("REPLACE INTO", "REPLACE INTO customers (id, name) VALUES (1, 'x')", Refused),
    ("INSERT OR REPLACE", "INSERT OR REPLACE INTO customers (id, name) VALUES (1, 'x')", Refused),
    ("UPSERT", "INSERT INTO customers (id, name) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET name = 'y'", Refused),
    ("UPDATE the schema table", "UPDATE sqlite_schema SET sql = 'x' WHERE name = 'orders'", Refused),
    ("DELETE from the temp schema", "DELETE FROM sqlite_temp_master", Refused),
];

/// Schema changes, permanent and temporary.
const DDL: &[Case] = &[
    ("CREATE TABLE", "CREATE TABLE t (a INTEGER)", Refused),
    ("CREATE TABLE AS SELECT", "CREATE TABLE t AS SELECT * FROM orders", Refused),
    ("CREATE TEMP TABLE", "CREATE TEMP TABLE t (a INTEGER)", Refused),
    ("CREATE TEMP VIEW", "CREATE TEMP VIEW v AS SELECT 1", Refused),
    ("CREATE VIEW", "CREATE VIEW v AS SELECT * FROM orders", Refused),
    ("CREATE INDEX", "CREATE INDEX i ON orders (total)", Refused),
    ("CREATE TRIGGER", "CREATE TRIGGER tr AFTER INSERT ON orders BEGIN DELETE FROM customers; END", Unparseable),
    ("CREATE VIRTUAL TABLE", "CREATE VIRTUAL TABLE f USING fts3(body)", Refused),
    ("DROP TABLE", "DROP TABLE orders", Refused),
    ("DROP VIEW", "DROP VIEW big_orders", Refused),
    ("DROP INDEX", "DROP INDEX orders_by_customer", Refused),
    ("DROP TRIGGER", "DROP TRIGGER IF EXISTS tr", Unparseable),
    ("ALTER TABLE RENAME", "ALTER TABLE orders RENAME TO gone", Refused),
    ("ALTER TABLE ADD COLUMN", "ALTER TABLE orders ADD COLUMN x INTEGER", Refused),
    ("ALTER TABLE DROP COLUMN", "ALTER TABLE orders DROP COLUMN note", Refused),
];

/// Writes dressed as queries.
const HIDDEN_WRITES: &[Case] = &[
    ("a CTE in front of DELETE", "WITH x AS (SELECT 1) DELETE FROM orders", Refused),
    ("a CTE in front of INSERT", "WITH x AS (SELECT 1 AS a) INSERT INTO customers (name) SELECT a FROM x", Refused),
    ("a CTE in front of UPDATE", "WITH x AS (SELECT 1) UPDATE orders SET total = 0", Refused),
    (
        "a recursive CTE in front of REPLACE",
        "WITH RECURSIVE n(i) AS (SELECT 1) REPLACE INTO customers (id) SELECT i FROM n",
        Unparseable,
    ),
    ("a DELETE inside a CTE", "WITH gone AS (DELETE FROM orders RETURNING id) SELECT * FROM gone", Refused),
    ("SELECT INTO", "SELECT * INTO backup FROM orders", Refused),
];

/// Reaching other database files.
const ATTACH: &[Case] = &[
    ("ATTACH an in-memory database", "ATTACH DATABASE ':memory:' AS m", Refused),
    ("ATTACH a file in the temp dir", "ATTACH DATABASE '{dir}/attached.sqlite' AS a", Refused),
    ("ATTACH a URI that asks to create", "ATTACH 'file:{dir}/uri.sqlite?mode=rwc' AS u", Refused),
    ("ATTACH a temporary database", "ATTACH '' AS t", Refused),
    ("DETACH main", "DETACH DATABASE main", Unparseable),
    ("DETACH temp", "DETACH temp", Unparseable),
];

/// Rebuilding the file or copying it elsewhere. `VACUUM INTO` works even on a read-only
/// connection (https://www.sqlite.org/lang_vacuum.html#vacuuminto).
const VACUUM_AND_MAINTENANCE: &[Case] = &[
    ("VACUUM", "VACUUM", Refused),
    ("VACUUM main", "VACUUM main", Refused),
    ("VACUUM INTO a file in the temp dir", "VACUUM INTO '{dir}/copy.sqlite'", Unparseable),
    ("VACUUM INTO a URI", "VACUUM main INTO 'file:{dir}/copy2.sqlite?mode=rwc'", Unparseable),
    ("REINDEX", "REINDEX", Unparseable),
    ("REINDEX an index", "REINDEX orders_by_customer", Unparseable),
    ("ANALYZE", "ANALYZE", Unparseable),
    ("ANALYZE a table", "ANALYZE orders", Refused),
];

/// PRAGMA statements: writes, and reads the policy refuses all the same. (The table-valued
/// pragma functions exist only for pragmas without side effects,
/// https://www.sqlite.org/pragma.html#pragfunc, and are admitted.)
const PRAGMAS: &[Case] = &[
    ("turn query_only off", "PRAGMA query_only = 0", Refused),
    ("turn query_only off by name", "PRAGMA query_only = OFF", Unparseable),
    ("turn writable_schema on", "PRAGMA writable_schema = 1", Refused),
    ("change the journal mode", "PRAGMA journal_mode = DELETE", Unparseable),
    ("switch to WAL", "PRAGMA main.journal_mode = WAL", Unparseable),
    ("set user_version", "PRAGMA user_version = 5", Refused),
    ("set application_id", "PRAGMA application_id = 9", Refused),
    ("set schema_version", "PRAGMA schema_version = 1", Refused),
    ("move temp data to files", "PRAGMA temp_store = FILE", Unparseable),
    ("trust the schema", "PRAGMA trusted_schema = ON", Unparseable),
    ("take an exclusive lock", "PRAGMA locking_mode = EXCLUSIVE", Unparseable),
    ("read table_info", "PRAGMA table_info(orders)", Unparseable),
    ("read database_list", "PRAGMA database_list", Refused),
    ("read query_only", "PRAGMA query_only", Refused),
    ("run integrity_check", "PRAGMA integrity_check", Refused),
    ("the table_info function", "SELECT name FROM pragma_table_info('orders')", Reads),
];

/// Transaction control: a transaction left open would hold the connection's read lock.
const TRANSACTIONS: &[Case] = &[
    ("BEGIN", "BEGIN", Refused),
    ("BEGIN IMMEDIATE", "BEGIN IMMEDIATE", Refused),
    ("BEGIN EXCLUSIVE TRANSACTION", "BEGIN EXCLUSIVE TRANSACTION", Refused),
    ("COMMIT", "COMMIT", Refused),
    ("END", "END TRANSACTION", Refused),
    ("ROLLBACK", "ROLLBACK", Refused),
    ("SAVEPOINT", "SAVEPOINT s", Refused),
    ("RELEASE", "RELEASE s", Refused),
    ("ROLLBACK TO", "ROLLBACK TO SAVEPOINT s", Refused),
];

/// EXPLAIN of anything, writes included (EXPLAIN compiles, and for VACUUM and some pragmas
/// may act: https://www.sqlite.org/lang_explain.html).
const EXPLAIN: &[Case] = &[
    ("EXPLAIN a write", "EXPLAIN DELETE FROM orders", Refused),
    ("EXPLAIN QUERY PLAN a write", "EXPLAIN QUERY PLAN DELETE FROM orders", Refused),
    ("EXPLAIN a read", "EXPLAIN SELECT * FROM orders", Refused),
    ("EXPLAIN QUERY PLAN a read", "EXPLAIN QUERY PLAN SELECT * FROM orders", Refused),
];

/// Functions with side effects or reach outside the database, wherever they hide, however
/// they are spelled.
const FUNCTIONS: &[Case] = &[
    ("load_extension in the select list", "SELECT load_extension('/tmp/evil')", Refused),
    ("load_extension in WHERE", "SELECT id FROM orders WHERE load_extension('/tmp/evil') IS NULL", Refused),
    ("load_extension in a nested subquery", "SELECT * FROM (SELECT (SELECT load_extension('x')) AS a)", Refused),
    ("load_extension in a CTE", "WITH x AS (SELECT load_extension('x') AS a) SELECT a FROM x", Refused),
    ("load_extension in ORDER BY", "SELECT id FROM orders ORDER BY load_extension('x')", Refused),
    ("load_extension in GROUP BY", "SELECT count(*) FROM orders GROUP BY load_extension('x')", Refused),
    ("load_extension in HAVING", "SELECT count(*) FROM orders HAVING load_extension('x') IS NULL", Refused),
    ("load_extension in a window", "SELECT row_number() OVER (PARTITION BY load_extension('x')) FROM orders", Refused),
    ("load_extension in a FILTER", "SELECT count(*) FILTER (WHERE load_extension('x')) FROM orders", Refused),
    ("load_extension in a JOIN condition", "SELECT 1 FROM orders JOIN customers ON load_extension('x')", Refused),
    ("load_extension in CASE", "SELECT CASE WHEN id > 1 THEN load_extension('x') END FROM orders", Refused),
    ("load_extension in LIMIT", "SELECT id FROM orders LIMIT load_extension('x')", Refused),
    ("load_extension after UNION", "SELECT 1 UNION SELECT load_extension('x')", Refused),
    ("load_extension as a table", "SELECT * FROM load_extension('x')", Refused),
    ("load_extension in double quotes", "SELECT \"load_extension\"('x')", Refused),
    ("load_extension in backticks", "SELECT `load_extension`('x')", Refused),
    ("load_extension in brackets", "SELECT [load_extension]('x')", Refused),
    ("load_extension in mixed case", "SELECT LoAd_ExTeNsIoN('x')", Refused),
    ("load_extension qualified by schema", "SELECT main.load_extension('x')", Refused),
    ("load_extension with a comment before the parenthesis", "SELECT load_extension/**/('x')", Refused),
    ("readfile", "SELECT readfile('/etc/passwd')", Refused),
    ("writefile", "SELECT writefile('{dir}/w.txt', 'x')", Refused),
    ("edit", "SELECT edit('x', 'vi')", Refused),
    ("fts3_tokenizer", "SELECT fts3_tokenizer('simple')", Refused),
    ("sqlite_compileoption_used", "SELECT sqlite_compileoption_used('ENABLE_FTS3')", Refused),
    ("sqlite_compileoption_get", "SELECT sqlite_compileoption_get(0)", Refused),
    ("an unknown function fails in the database", "SELECT no_such_function(1)", Fails),
    ("harmless built-ins still read", "SELECT changes(), total_changes(), last_insert_rowid(), random()", Reads),
];

/// Resource exhaustion, run with a 300 ms statement timeout and a row cap of 50.
const EXHAUSTION: &[Case] = &[
    (
        "an unbounded recursive CTE counted",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
        TimesOut,
    ),
    (
        "an unbounded recursive CTE sorted",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n ORDER BY i DESC",
        TimesOut,
    ),
    ("an unbounded recursive CTE streamed", "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n", Capped),
    ("a giant cartesian join counted", "SELECT count(*) FROM orders a, orders b, orders c, orders d, orders e", TimesOut),
    ("a giant cartesian join streamed", "SELECT a.id FROM orders a, orders b, orders c, orders d", Capped),
    ("a two-gigabyte random blob", "SELECT length(randomblob(2000000000))", Fails),
    ("a two-gigabyte zero blob", "SELECT zeroblob(2000000000)", Fails),
    ("a 600 MB random blob, under the length limit but over the heap limit", "SELECT length(randomblob(600000000))", Fails),
    ("a 600 MB printf, under the length limit but over the heap limit", "SELECT length(printf('%.*c', 600000000, 'x'))", Fails),
    ("a two-gigabyte printf", "SELECT length(printf('%.*c', 2000000000, 'x'))", Fails),
    ("a two-gigabyte padding by width", "SELECT length(printf('%2000000000d', 1))", Reads),
    ("repeated doubling past the length limit", "WITH RECURSIVE d(s, n) AS (SELECT 'x', 0 UNION ALL SELECT s || s, n + 1 FROM d WHERE n < 40) SELECT max(length(s)) FROM d", Fails),
    ("a pathological LIKE pattern", "SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' LIKE '%a%a%a%a%a%a%a%a%a%a%a%a%a%a%b'", Reads),
    ("a pathological GLOB pattern", "SELECT 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' GLOB '*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b'", Unparseable),
];

// ---------------------------------------------------------------------------------------
// The fixture: a small database of its own, and a fingerprint of everything it holds.

const SOURCE_ID: &str = "hostile";

/// A database in a fresh temp dir: three tables with rows, a view, an index, no triggers.
async fn hostile_db() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.sqlite");
    let options =
        SqliteConnectOptions::new().filename(&path).create_if_missing(true).journal_mode(SqliteJournalMode::Delete);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    for sql in [
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT)",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id), total REAL, note BLOB)",
        "CREATE TABLE products (sku TEXT NOT NULL, price NUMERIC)",
        "CREATE INDEX orders_by_customer ON orders (customer_id)",
        "CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20)
         INSERT INTO customers (name, country) SELECT 'customer ' || i, CASE i % 3 WHEN 0 THEN 'NL' ELSE 'DE' END FROM n",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
         INSERT INTO orders (customer_id, total, note) SELECT 1 + i % 20, i * 1.5, randomblob(8) FROM n",
        "INSERT INTO products VALUES ('a-1', 9.5), ('b-2', NULL), ('c-3', 12)",
        "PRAGMA user_version = 7",
        "PRAGMA application_id = 1234",
    ] {
        sqlx::query(sql).execute(&mut conn).await.unwrap();
    }
    conn.close().await.unwrap();
    (dir, path)
}

/// Everything a hostile statement could change, as comparable strings.
#[derive(Debug, PartialEq, Eq)]
struct Fingerprint {
    /// SHA-256 over the schema, every table's rows by rowid and the header pragmas.
    contents: String,
    /// SHA-256 of the file's bytes.
    file: String,
    /// Every file in the directory, with its size: a journal, WAL, copy or attached file shows.
    files: Vec<(String, u64)>,
}

async fn fingerprint(path: &Path) -> Fingerprint {
    let options = SqliteConnectOptions::from_str("sqlite://").unwrap().filename(path).read_only(true);
    let mut conn = SqliteConnection::connect_with(&options).await.unwrap();
    let mut hash = Sha256::new();
    let schema = sqlx::query("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY type, name")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let mut tables = Vec::new();
    for row in &schema {
        let (kind, name): (String, String) = (row.get(0), row.get(1));
        hash.update(format!("{kind}|{name}|{}|{}\n", row.get::<String, _>(2), row.get::<String, _>(3)));
        if kind == "table" {
            tables.push(name);
        }
    }
    for table in tables {
        hash.update(format!("table {table}\n"));
        let sql = format!("SELECT * FROM \"{}\" ORDER BY rowid", table.replace('"', "\"\""));
        for row in sqlx::query(&sql).fetch_all(&mut conn).await.unwrap() {
            for i in 0..row.len() {
                let raw = row.try_get_raw(i).unwrap();
                let value = if raw.is_null() {
                    "NULL".to_owned()
                } else {
                    match raw.type_info().name() {
                        "INTEGER" => row.get::<i64, _>(i).to_string(),
                        "REAL" => row.get::<f64, _>(i).to_bits().to_string(),
                        "BLOB" => format!("{:?}", row.get::<Vec<u8>, _>(i)),
                        _ => format!("{:?}", row.get::<String, _>(i)),
                    }
                };
                hash.update(value);
                hash.update("|");
            }
            hash.update("\n");
        }
    }
    for pragma in ["user_version", "application_id", "schema_version", "page_count", "freelist_count"] {
        let value: i64 = sqlx::query_scalar(&format!("PRAGMA {pragma}")).fetch_one(&mut conn).await.unwrap();
        hash.update(format!("{pragma}={value}\n"));
    }
    conn.close().await.unwrap();

    let file = format!("{:x}", Sha256::digest(std::fs::read(path).unwrap()));
    let mut files: Vec<(String, u64)> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), e.metadata().unwrap().len())
        })
        .collect();
    files.sort();
    Fingerprint { contents: format!("{:x}", hash.finalize()), file, files }
}

/// A relay serving only the hostile database (no demo database).
async fn relay_for(path: &Path, limits: QueryLimits) -> TestRelay {
    TestRelay::start_with_sources(limits, false, vec![path.to_owned()]).await
}

const ORDINARY: QueryLimits = QueryLimits { row_cap: 1_000, statement_timeout_ms: 10_000, byte_cap: 1 << 30 };
const TIGHT: QueryLimits = QueryLimits { row_cap: 50, statement_timeout_ms: 300, byte_cap: 1 << 30 };

/// How long one request may take before the case counts as a hang.
const HANG: Duration = Duration::from_secs(30);

/// Runs every case: expected outcome, nothing changed, relay still answering. Collects all
/// failures so one run shows every hole.
async fn run_cases(relay: &TestRelay, path: &Path, cases: &[(&str, String, Expect)]) {
    let dir = path.parent().unwrap().to_string_lossy().into_owned();
    let mut failures = Vec::new();
    for (name, sql, expected) in cases {
        let sql = sql.replace("{dir}", &dir);
        let before = fingerprint(path).await;
        let reply = match tokio::time::timeout(HANG, relay.query_source(SOURCE_ID, &sql)).await {
            Ok(reply) => reply,
            Err(_) => {
                failures.push(format!("{name}: no answer within {HANG:?}"));
                continue;
            }
        };
        match outcome(&reply) {
            Ok(got) if got == *expected => {}
            Ok(got) => failures.push(format!("{name}: expected {expected:?}, got {got:?} ({})", describe(&reply))),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
        let after = fingerprint(path).await;
        if after != before {
            failures.push(format!("{name}: the database changed: {before:?} -> {after:?}"));
        }
        match tokio::time::timeout(HANG, relay.query_source(SOURCE_ID, "SELECT 1")).await {
            Ok(Ok(frames)) if rows_of(&frames) == vec![vec![Cell::Int(1)]] => {}
            Ok(other) => failures.push(format!("{name}: the relay is unwell afterwards: {}", describe(&other))),
            Err(_) => failures.push(format!("{name}: the relay does not answer SELECT 1 afterwards")),
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

fn describe(reply: &Result<Vec<ResultFrame>, (StatusCode, vizkraft_domain::ApiError)>) -> String {
    match reply {
        Err((status, e)) => format!("HTTP {status} {:?}: {}", e.code, e.message),
        Ok(frames) => format!("{:?}", frames.last()),
    }
}

fn owned(cases: &[Case]) -> Vec<(&str, String, Expect)> {
    cases.iter().map(|(name, sql, expect)| (*name, (*sql).to_owned(), *expect)).collect()
}

/// SQLite's heap limit is process-wide: while the exhaustion cases push against it, no other
/// test in this binary should be allocating.
static HEAP: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

async fn run_table(cases: &[Case]) {
    let _shared = HEAP.read().await;
    let (_dir, path) = hostile_db().await;
    let relay = relay_for(&path, ORDINARY).await;
    run_cases(&relay, &path, &owned(cases)).await;
}

// ---------------------------------------------------------------------------------------
// One test per kind.

#[tokio::test]
async fn a_second_statement_is_refused_however_it_is_separated() {
    run_table(MULTI_STATEMENT).await;
}

#[tokio::test]
async fn comments_neither_hide_a_statement_nor_become_code() {
    run_table(COMMENTS).await;
}

#[tokio::test]
async fn sql_with_a_nul_character_is_refused_because_sqlite_stops_reading_there() {
    run_table(NUL_CHARACTERS).await;
}

#[tokio::test]
async fn inserts_updates_deletes_and_upserts_are_refused() {
    run_table(DML).await;
}

#[tokio::test]
async fn schema_changes_are_refused_including_temporary_ones() {
    run_table(DDL).await;
}

#[tokio::test]
async fn writes_hidden_in_ctes_or_select_into_are_refused() {
    run_table(HIDDEN_WRITES).await;
}

#[tokio::test]
async fn attaching_and_detaching_databases_is_refused() {
    run_table(ATTACH).await;
}

#[tokio::test]
async fn vacuum_reindex_and_analyze_are_refused() {
    run_table(VACUUM_AND_MAINTENANCE).await;
}

#[tokio::test]
async fn pragma_statements_are_refused_whether_they_write_or_read() {
    run_table(PRAGMAS).await;
}

#[tokio::test]
async fn transaction_control_is_refused() {
    run_table(TRANSACTIONS).await;
}

#[tokio::test]
async fn explain_is_refused_even_for_a_read() {
    run_table(EXPLAIN).await;
}

#[tokio::test]
async fn dangerous_functions_are_refused_wherever_and_however_they_are_written() {
    run_table(FUNCTIONS).await;
}

#[tokio::test]
async fn resource_exhaustion_ends_in_a_timeout_a_cap_or_an_error() {
    let _alone = HEAP.write().await;
    let (_dir, path) = hostile_db().await;
    let relay = relay_for(&path, TIGHT).await;
    let mut cases = owned(EXHAUSTION);
    let deep = 10_000;
    cases.extend([
        ("10,000 nested parentheses", format!("SELECT {}1{}", "(".repeat(deep), ")".repeat(deep)), Refused),
        ("10,000 nested negations", format!("SELECT {}1", "- ".repeat(deep)), Refused),
        (
            "10,000 nested scalar subqueries",
            format!("SELECT {}1{}", "(SELECT ".repeat(deep), ")".repeat(deep)),
            Refused,
        ),
        ("10,000 nested NOTs", format!("SELECT {}1", "NOT ".repeat(deep)), Refused),
        ("10,000 chained additions", format!("SELECT 1{}", "+1".repeat(deep)), Refused),
        ("10,000 chained ANDs", format!("SELECT 1 WHERE 1{}", " AND 1".repeat(deep)), Refused),
        ("10,000 chained concatenations", format!("SELECT 'a'{}", "||'a'".repeat(deep)), Refused),
        ("5,000 chained UNIONs", format!("SELECT 1{}", " UNION SELECT 1".repeat(5_000)), Refused),
        ("SQL over the size limit", format!("SELECT 1{}", " ".repeat(100_001)), TooLong),
        ("a string literal over the size limit", format!("SELECT '{}'", "x".repeat(100_001)), TooLong),
    ]);
    run_cases(&relay, &path, &cases).await;
}

#[tokio::test]
async fn the_fixture_reads_through_the_relay_and_its_fingerprint_is_stable() {
    let _shared = HEAP.read().await;
    let (_dir, path) = hostile_db().await;
    let relay = relay_for(&path, ORDINARY).await;
    let first = fingerprint(&path).await;
    let frames = relay.query_source(SOURCE_ID, "SELECT count(*) FROM big_orders").await.unwrap();
    assert_eq!(rows_of(&frames), vec![vec![Cell::Int(134)]]);
    assert_eq!(fingerprint(&path).await, first);
    assert_eq!(first.files.len(), 1, "{:?}", first.files);
}

/// The second barrier on its own, without the guard: what the read-only session
/// (SQLITE_OPEN_READONLY, `query_only`) stops, and what it does not. Pinned so that an upgrade
/// of SQLite or sqlx that changes it shows up (see /work/shared/security-pitfalls.md).
#[tokio::test]
async fn the_read_only_session_alone_refuses_writes_but_vacuum_into_still_creates_a_file() {
    let _shared = HEAP.read().await;
    let (dir, path) = hostile_db().await;
    let before = fingerprint(&path).await;
    let pool = vizkraft_relay::sources::open_read_only(&path).await.unwrap();
    for sql in [
        "DELETE FROM orders",
        "CREATE TEMP TABLE t (a)",
        "PRAGMA user_version = 5",
        "VACUUM",
        "REINDEX",
        "ANALYZE",
        "BEGIN IMMEDIATE",
    ] {
        let err = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(err.to_string().contains("readonly database"), "{sql}: {err}");
    }
    assert_eq!(fingerprint(&path).await, before);

    // VACUUM INTO fails as well, but only after SQLite has created the target file: the
    // guard (which cannot even parse it) is what keeps it out. An authorizer would stop it
    // here too; sqlx offers none.
    let copy = dir.path().join("copy.sqlite");
    let sql = format!("VACUUM INTO '{}'", copy.display());
    assert!(sqlx::query(&sql).execute(&pool).await.is_err());
    assert!(copy.exists(), "VACUUM INTO no longer creates its file: tighten this test");
}
