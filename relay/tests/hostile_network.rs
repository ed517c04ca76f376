//! Hostile SQL against PostgreSQL and MariaDB sources, through the relay's real HTTP path
//! (`/api/v1/query` as the owner) to the servers `scripts/test-servers` starts. Every case must
//! end in a clear refusal, a database error, a timeout or a capped result; nothing in the
//! database (rows, catalog, grants, sequences, replication slots, server settings, locks) and
//! no file beside it may change; and the source must answer the next query.
//!
//! The sources log in as the writable logins (`vk_writer`, accepted with
//! `accept_writable_login`), so the guard and the read-only session are what stand between a
//! case and the data. Superuser and replication logins cannot be sources at all (checked below).
//!
//! Cases: PostgreSQL 231, MariaDB 173 (generated deep-nesting cases included); besides them,
//! 17 connection settings per engine and 8 SQLite file names refused before anything is opened,
//! and the superuser and root logins refused as privileged.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use sqlx::{ConnectOptions, Connection, Executor, MySqlConnection, PgConnection, Row};
use support::servers::{servers, timed, Login, Servers};
use support::{rows_of, TestRelay};
use vizkraft_domain::api::query::{Cell, ResultFrame};
use vizkraft_domain::api::sources::{
    ConnectionSettings, ConnectionTestResponse, NetworkSettings, SourceDetails, SourceRequest,
};
use vizkraft_domain::semantic::Engine;

use support::hostile::{outcome, Case, Expect, Expect::*, Reply};

// In the SQL of a case, `{dir}` stands for an empty, world-writable directory that must stay
// empty, and `{db}` (MariaDB) for a database of the test's own.

// ---------------------------------------------------------------------------------------
// PostgreSQL

/// More than one statement, however the separator is dressed. The extended protocol would
/// refuse a second statement too; the guard refuses it first, and must read strings and
/// comments exactly as the server does to know where a statement ends.
const PG_MULTI_STATEMENT: &[Case] = &[
    ("a write after a read", "SELECT 1; DELETE FROM orders", Refused),
    ("two reads", "SELECT 1; SELECT 2", Refused),
    ("an empty statement between separators", "SELECT 1;;DELETE FROM orders", Refused),
    ("a separator after a block comment", "SELECT 1 /* ; */ ; DELETE FROM orders", Refused),
    ("a carriage return ends a line comment", "SELECT 1 -- x\r; DELETE FROM orders", Refused),
    ("a line feed ends a line comment", "SELECT 1 -- x\n; DELETE FROM orders", Refused),
    ("a tab does not end a line comment", "SELECT 1 --\t; DELETE FROM orders", Reads),
    ("a form feed does not end a line comment", "SELECT 1 --\x0c; DELETE FROM orders", Reads),
    ("nested block comments hide the separator", "SELECT 1 /* /* */ ; DELETE FROM orders */", Reads),
    ("an unterminated nested block comment", "SELECT 1 /* /* */ ; DELETE FROM orders", Unparseable),
    ("a separator inside $$", "SELECT $$;DELETE FROM orders;$$ AS s", Reads),
    ("a separator after $$;$$", "SELECT $$;$$; DELETE FROM orders", Refused),
    ("a separator inside $tag$", "SELECT $tag$;DELETE FROM orders;$tag$ AS s", Reads),
    ("$$ inside a $tag$ string", "SELECT $tag$ $$ ; DELETE FROM orders; $$ $tag$ AS s", Reads),
    ("a separator after a $tag$ string", "SELECT $a$x$a$; DELETE FROM orders", Refused),
    ("a separator inside a $€$ tag", "SELECT $€$;DELETE FROM orders;$€$ AS s", Refused),
    ("a separator inside a $\u{a0}$ tag", "SELECT $\u{a0}$;DELETE FROM orders;$\u{a0}$ AS s", Refused),
    ("a tag that starts with a digit is a parameter to the server", "SELECT $1a$;DELETE FROM orders;$1a$ AS s", Fails),
    ("a backslash-escaped quote keeps an E'' string open", r"SELECT E'\'; DELETE FROM orders; --' AS s", Reads),
    ("a backslash does not escape in a standard string", r"SELECT '\'; DELETE FROM orders; --' AS s", Refused),
    ("an escaped backslash ends an E'' string", r"SELECT E'\\'; DELETE FROM orders; --'", Refused),
    ("a Unicode-escaped quote does not end a U&'' string", r"SELECT U&'\0027'; DELETE FROM orders", Refused),
    ("a doubled quote keeps a string open", "SELECT 'x''; DELETE FROM orders; --' AS s", Reads),
    ("a separator inside a quoted identifier", r#"SELECT 1 AS "x;DELETE FROM orders""#, Reads),
    ("a psql-style backslash separator", r"SELECT 1 \; DELETE FROM orders", Unparseable),
];

/// Every escape earlier probes found against PostgreSQL, verbatim: queries run from text,
/// dollar-quote tags the guard could not read, functions with effects outside the transaction.
const PG_EARLIER_ESCAPES: &[Case] = &[
    (
        "ts_stat running a query given as text",
        "SELECT * FROM ts_stat($$SELECT to_tsvector(pg_try_advisory_lock(4242)::text)$$)",
        Refused,
    ),
    (
        "ts_rewrite running a query given as text",
        "SELECT ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, (''b'' || pg_try_advisory_lock(4243)::text)::tsquery')::text",
        Refused,
    ),
    ("a $€$ tag hiding pg_read_file", "SELECT $€$, $$ $€$ , pg_read_file('/etc/hostname') AS x , $$ AS s -- $$", Refused),
    ("a $€$ tag hiding pg_read_file of PG_VERSION", "SELECT $€$, $$ $€$ , pg_read_file('PG_VERSION') AS x , $$ AS s -- $$", Refused),
    (
        "a $€$ tag hiding set_config",
        "SELECT $€$, $$ $€$ , set_config('search_path', 'pg_catalog', false) AS x , $$ AS s -- $$",
        Refused,
    ),
    (
        "a $€$ tag hiding pg_terminate_backend",
        "SELECT $€$, $$ $€$ , pg_terminate_backend(pg_backend_pid()) AS x , $$ AS s -- $$",
        Refused,
    ),
    ("a $€$ tag hiding nextval", "SELECT $€$, $$ $€$ , nextval('x') AS x , $$ AS s -- $$", Refused),
    ("a $€$ tag hiding pg_notify", "SELECT $€$, $$ $€$ , pg_notify('c', 'x') AS x , $$ AS s -- $$", Refused),
    (
        "a $€$ tag hiding a subquery",
        "SELECT $€$, $$ $€$ , (SELECT count(*) FROM private_notes) AS x , $$ AS s -- $$",
        Refused,
    ),
    (
        "a $\u{a0}$ tag hiding pg_try_advisory_lock",
        "SELECT $\u{a0}$, $$ $\u{a0}$ , pg_try_advisory_lock(4246) AS l , $$ AS s -- $$",
        Refused,
    ),
    ("setseed, which outlives a rollback", "SELECT setseed(0.5)::text", Refused),
    (
        "creating a replication slot",
        "SELECT pg_create_physical_replication_slot('vk_hostile_slot2', true)::text",
        Refused,
    ),
    ("dropping a replication slot", "SELECT pg_drop_replication_slot('vk_hostile_slot2')::text", Refused),
    ("resetting shared statistics", "SELECT pg_stat_reset_shared('bgwriter')::text", Refused),
    (
        "resetting a table's statistics",
        "SELECT pg_stat_reset_single_table_counters('customers'::regclass)::text",
        Refused,
    ),
    ("logging memory contexts", "SELECT pg_log_backend_memory_contexts(pg_backend_pid())::text", Refused),
    ("importing system collations", "SELECT pg_import_system_collations('public'::regnamespace)::text", Fails),
    ("creating a replication origin", "SELECT pg_replication_origin_create('vk_hostile_origin')::text", Refused),
    ("listing the log directory", "SELECT count(*) FROM pg_ls_logdir()", Refused),
    ("listing the archive status directory", "SELECT count(*) FROM pg_ls_archive_statusdir()", Refused),
    ("listing the logical snapshot directory", "SELECT count(*) FROM pg_ls_logicalsnapdir()", Refused),
    ("a $1 parameter", "SELECT $1", Refused),
    // Denied functions under other names: Unicode-escaped identifiers and functional notation.
    ("setseed as a Unicode-escaped identifier", r#"SELECT U&"set\0073eed"(0.5)::text"#, Refused),
    ("pg_terminate_backend as a Unicode-escaped identifier", r#"SELECT U&"pg_terminate\005fbackend"(1)::text"#, Refused),
    ("pg_sleep as a Unicode-escaped identifier", r#"SELECT U&"pg_\0073leep"(0.1)::text"#, Refused),
    ("setseed in functional notation", "SELECT (0.5::float8).setseed::text", Refused),
    ("pg_terminate_backend in functional notation", "SELECT ((1)::int).pg_terminate_backend::text", Refused),
    ("pg_advisory_lock in functional notation", "SELECT (4250::int8).pg_advisory_lock::text", Refused),
    ("a function as a column of a scalar alias", "SELECT t.pg_cancel_backend::text FROM generate_series(1, 1) AS t", Refused),
    // An operator glued to `--` starts a comment for PostgreSQL, not for sqlparser.
    ("pg_sleep behind <--", "SELECT 1 <--'\n 2 AS a, pg_sleep(1.5)::text AS x --'", Refused),
    ("setseed behind ||--", "SELECT 1 ||--'\n 2 AS a, setseed(0.5)::text AS x --'", Refused),
    ("pg_terminate_backend behind >=--", "SELECT 1 >=--'\n 2 AS a, pg_terminate_backend(1)::text AS x --'", Refused),
    ("txid_current behind &&--", "SELECT 1 &&--'\n 2 AS a, txid_current()::text AS x --'", Refused),
    ("setseed after an E'' string continued on the next line", "SELECT E'a'\n'\\' , ' , setseed(0.5)::text AS m -- '", Refused),
    ("pg_logical_emit_message behind ?--", "SELECT '{\"a\":1}'::jsonb ?--'\n $$a$$ AS a, pg_logical_emit_message(false, $$vk$$, $$x$$)::text AS x --'", Refused),
    ("setseed behind &>-- (a character the tokenizer skips)", "SELECT int4range(1,5) &>--'\n int4range(2,3) AS a, setseed(0.5)::text AS x --'", Refused),
    ("pg_sleep behind |-- in WHERE", "SELECT id FROM customers WHERE id |--'\n 1 = 1 AND pg_sleep(0.2) IS NOT NULL --'", Refused),
];

/// Data-modifying statements, plain and hidden in a query.
const PG_WRITES: &[Case] = &[
    ("INSERT", "INSERT INTO customers VALUES (9, 'x', 'y', '2024-01-01')", Refused),
    ("INSERT RETURNING", "INSERT INTO customers VALUES (9, 'x', 'y', '2024-01-01') RETURNING id", Refused),
    (
        "INSERT ON CONFLICT",
        "INSERT INTO customers VALUES (1, 'x', 'y', '2024-01-01') ON CONFLICT (id) DO UPDATE SET name = 'z'",
        Refused,
    ),
    ("UPDATE", "UPDATE orders SET amount = 0", Refused),
    ("UPDATE FROM", "UPDATE orders SET amount = 0 FROM customers WHERE customers.id = orders.customer_id", Refused),
    ("DELETE", "DELETE FROM orders", Refused),
    ("DELETE USING", "DELETE FROM orders USING customers WHERE customers.id = orders.customer_id", Refused),
    (
        "MERGE",
        "MERGE INTO customers c USING (SELECT 1 AS id) s ON c.id = s.id WHEN MATCHED THEN UPDATE SET name = 'x'",
        Refused,
    ),
    ("TRUNCATE", "TRUNCATE orders", Refused),
    ("a DELETE in a CTE", "WITH gone AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM gone", Refused),
    ("an UPDATE in a CTE", "WITH u AS (UPDATE orders SET amount = 0 RETURNING id) SELECT * FROM u", Refused),
    (
        "an INSERT in a CTE",
        "WITH i AS (INSERT INTO customers VALUES (9, 'x', 'y', '2024-01-01') RETURNING id) SELECT * FROM i",
        Refused,
    ),
    (
        "a DELETE in a CTE behind a read",
        "WITH r AS (SELECT 1), gone AS (DELETE FROM orders RETURNING id) SELECT * FROM r",
        Refused,
    ),
    (
        "a DELETE in a nested CTE",
        "SELECT * FROM (WITH gone AS (DELETE FROM orders RETURNING id) SELECT id FROM gone) x",
        Refused,
    ),
    ("SELECT INTO", "SELECT * INTO backup FROM orders", Refused),
    ("SELECT INTO a temporary table", "SELECT * INTO TEMP backup FROM orders", Refused),
    ("FOR UPDATE", "SELECT * FROM orders FOR UPDATE", Refused),
    ("FOR SHARE", "SELECT * FROM orders FOR SHARE", Refused),
    ("FOR NO KEY UPDATE NOWAIT", "SELECT * FROM orders FOR NO KEY UPDATE NOWAIT", Unparseable),
    ("FOR KEY SHARE SKIP LOCKED", "SELECT * FROM orders FOR KEY SHARE SKIP LOCKED", Unparseable),
    ("FOR UPDATE in a CTE", "WITH x AS (SELECT * FROM orders FOR UPDATE) SELECT count(*) FROM x", Refused),
    ("FOR UPDATE in a subquery", "SELECT count(*) FROM (SELECT * FROM orders FOR UPDATE) x", Refused),
    ("EXPLAIN ANALYZE of a DELETE", "EXPLAIN ANALYZE DELETE FROM orders", Refused),
    ("EXPLAIN ANALYZE of a read", "EXPLAIN ANALYZE SELECT 1", Refused),
    ("EXPLAIN of a read", "EXPLAIN SELECT * FROM orders", Refused),
];

/// Schema changes, maintenance and every other statement that is not a query.
const PG_STATEMENTS: &[Case] = &[
    ("CREATE TABLE", "CREATE TABLE t (a int)", Refused),
    ("CREATE TABLE AS", "CREATE TABLE t AS SELECT * FROM orders", Refused),
    ("CREATE TEMP TABLE", "CREATE TEMP TABLE t (a int)", Refused),
    ("CREATE UNLOGGED TABLE", "CREATE UNLOGGED TABLE t (a int)", Unparseable),
    ("CREATE VIEW", "CREATE VIEW v AS SELECT 1", Refused),
    ("CREATE MATERIALIZED VIEW", "CREATE MATERIALIZED VIEW m AS SELECT 1", Refused),
    ("CREATE INDEX CONCURRENTLY", "CREATE INDEX CONCURRENTLY i ON orders (amount)", Refused),
    ("CREATE SEQUENCE", "CREATE SEQUENCE s", Refused),
    ("CREATE FUNCTION", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$", Refused),
    ("CREATE EXTENSION", "CREATE EXTENSION dblink", Refused),
    ("CREATE ROLE", "CREATE ROLE r SUPERUSER", Refused),
    ("DROP TABLE", "DROP TABLE orders", Refused),
    ("DROP TABLE CASCADE", "DROP TABLE customers CASCADE", Refused),
    ("DROP VIEW", "DROP VIEW revenue_by_country", Refused),
    ("DROP SCHEMA", "DROP SCHEMA public CASCADE", Refused),
    ("ALTER TABLE ADD COLUMN", "ALTER TABLE orders ADD COLUMN x int", Refused),
    ("ALTER TABLE RENAME", "ALTER TABLE orders RENAME TO gone", Refused),
    ("ALTER ROLE", "ALTER ROLE vk_writer SET default_transaction_read_only = off", Refused),
    ("ALTER SYSTEM", "ALTER SYSTEM SET log_statement = 'none'", Unparseable),
    ("GRANT", "GRANT ALL ON orders TO PUBLIC", Refused),
    ("REVOKE", "REVOKE SELECT ON orders FROM vk_reader", Refused),
    ("COMMENT ON", "COMMENT ON TABLE orders IS 'x'", Refused),
    ("VACUUM", "VACUUM orders", Refused),
    ("VACUUM FULL", "VACUUM FULL", Refused),
    ("ANALYZE", "ANALYZE orders", Refused),
    ("REFRESH MATERIALIZED VIEW", "REFRESH MATERIALIZED VIEW revenue_by_country", Unparseable),
    ("CLUSTER", "CLUSTER orders USING orders_pkey", Unparseable),
    ("REINDEX", "REINDEX TABLE orders", Unparseable),
    ("CHECKPOINT", "CHECKPOINT", Unparseable),
    ("TABLE, shorthand for SELECT *", "TABLE customers", Unparseable),
    ("LOCK TABLE", "LOCK TABLE orders IN ACCESS EXCLUSIVE MODE", Unparseable),
    ("NOTIFY", "NOTIFY vk_hostile, 'x'", Refused),
    ("LISTEN", "LISTEN vk_hostile", Refused),
    ("UNLISTEN", "UNLISTEN *", Refused),
    ("DISCARD ALL", "DISCARD ALL", Refused),
    ("DO block", "DO $$ BEGIN DELETE FROM orders; END $$", Unparseable),
    ("CALL", "CALL p()", Refused),
    ("PREPARE", "PREPARE p AS DELETE FROM orders", Refused),
    ("EXECUTE", "EXECUTE p", Refused),
    ("DEALLOCATE", "DEALLOCATE ALL", Refused),
    ("DECLARE CURSOR", "DECLARE c CURSOR WITH HOLD FOR SELECT * FROM orders", Refused),
    ("LOAD a library", "LOAD 'auto_explain'", Refused),
    ("COPY TO a file", "COPY orders TO '{dir}/orders.csv'", Refused),
    ("COPY TO PROGRAM", "COPY orders TO PROGRAM 'touch {dir}/pwned'", Refused),
    ("COPY FROM a file", "COPY orders FROM '/etc/passwd'", Refused),
    ("COPY FROM PROGRAM", "COPY orders FROM PROGRAM 'id'", Refused),
    ("COPY a query TO STDOUT", "COPY (SELECT * FROM orders) TO STDOUT", Refused),
    ("COPY FROM STDIN", "COPY orders FROM STDIN", Unparseable),
];

/// Transaction control and session settings: a transaction ended or a setting changed would
/// outlive the query on a pooled session.
const PG_SESSION: &[Case] = &[
    ("BEGIN", "BEGIN", Refused),
    ("COMMIT", "COMMIT", Refused),
    ("ROLLBACK", "ROLLBACK", Refused),
    ("ABORT", "ABORT", Unparseable),
    ("START TRANSACTION READ WRITE", "START TRANSACTION READ WRITE", Refused),
    ("SET TRANSACTION READ WRITE", "SET TRANSACTION READ WRITE", Refused),
    ("SAVEPOINT", "SAVEPOINT s", Refused),
    ("RELEASE SAVEPOINT", "RELEASE SAVEPOINT s", Refused),
    ("PREPARE TRANSACTION", "PREPARE TRANSACTION 'vk_hostile'", Unparseable),
    ("COMMIT PREPARED", "COMMIT PREPARED 'vk_hostile'", Unparseable),
    ("SET ROLE", "SET ROLE vk_admin", Refused),
    ("RESET ROLE", "RESET ROLE", Unparseable),
    ("SET SESSION AUTHORIZATION", "SET SESSION AUTHORIZATION postgres", Unparseable),
    ("SET search_path", "SET search_path = pg_catalog", Refused),
    ("SET statement_timeout", "SET statement_timeout = 0", Refused),
    ("SET LOCAL statement_timeout", "SET LOCAL statement_timeout = 0", Refused),
    ("SET standard_conforming_strings off", "SET standard_conforming_strings = off", Refused),
    ("SET default_transaction_read_only off", "SET default_transaction_read_only = off", Refused),
    ("RESET ALL", "RESET ALL", Unparseable),
    ("set_config of the search path", "SELECT set_config('search_path', 'pg_catalog', false)", Refused),
    ("set_config of transaction_read_only", "SELECT set_config('transaction_read_only', 'off', true)", Refused),
];

/// Functions with effects outside the query, or reach outside the database, wherever they
/// stand and however they are spelled.
const PG_FUNCTIONS: &[Case] = &[
    ("pg_sleep", "SELECT pg_sleep(5)", Refused),
    ("pg_sleep_for", "SELECT pg_sleep_for('5 seconds')", Refused),
    ("pg_sleep in WHERE", "SELECT id FROM orders WHERE pg_sleep(5) IS NULL", Refused),
    ("pg_sleep in a subquery", "SELECT (SELECT pg_sleep(5)) AS x", Refused),
    ("pg_sleep in ORDER BY", "SELECT id FROM orders ORDER BY pg_sleep(0.1)", Refused),
    ("pg_sleep in a CTE", "WITH x AS (SELECT pg_sleep(5)) SELECT * FROM x", Refused),
    ("pg_sleep as a table", "SELECT * FROM pg_sleep(5)", Refused),
    ("pg_sleep in LATERAL", "SELECT * FROM orders, LATERAL pg_sleep(0.1)", Refused),
    ("pg_sleep in VALUES", "VALUES (pg_sleep(5))", Refused),
    ("pg_sleep qualified by schema", "SELECT pg_catalog.pg_sleep(5)", Refused),
    ("pg_sleep in double quotes", r#"SELECT "pg_sleep"(5)"#, Refused),
    ("pg_sleep in upper case", "SELECT PG_SLEEP(5)", Refused),
    ("pg_read_file", "SELECT pg_read_file('/etc/passwd')", Refused),
    ("pg_read_binary_file", "SELECT pg_read_binary_file('/etc/passwd')", Refused),
    ("pg_ls_dir", "SELECT * FROM pg_ls_dir('.')", Refused),
    ("pg_stat_file", "SELECT * FROM pg_stat_file('postgresql.conf')", Refused),
    ("lo_import", "SELECT lo_import('/etc/passwd')", Refused),
    ("lo_export", "SELECT lo_export(1, '{dir}/lo')", Refused),
    ("lo_from_bytea", "SELECT lo_from_bytea(0, 'x')", Refused),
    ("dblink", "SELECT * FROM dblink('dbname=vizkraft_test', 'DELETE FROM orders') AS t(a text)", Refused),
    ("dblink_exec", "SELECT dblink_exec('dbname=vizkraft_test', 'DELETE FROM orders')", Refused),
    ("nextval", "SELECT nextval('hostile_seq')", Refused),
    ("setval", "SELECT setval('hostile_seq', 100)", Refused),
    ("currval of a sequence no session used", "SELECT currval('no_such_seq')", Fails),
    ("pg_advisory_lock", "SELECT pg_advisory_lock(4247)", Refused),
    ("pg_try_advisory_lock_shared", "SELECT pg_try_advisory_lock_shared(4248)", Refused),
    ("pg_advisory_xact_lock", "SELECT pg_advisory_xact_lock(4249)", Refused),
    ("pg_notify", "SELECT pg_notify('vk_hostile', 'x')", Refused),
    ("pg_terminate_backend", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity", Refused),
    ("pg_cancel_backend", "SELECT pg_cancel_backend(pid) FROM pg_stat_activity", Refused),
    ("pg_reload_conf", "SELECT pg_reload_conf()", Refused),
    ("pg_rotate_logfile", "SELECT pg_rotate_logfile()", Refused),
    ("pg_switch_wal", "SELECT pg_switch_wal()", Refused),
    ("txid_current", "SELECT txid_current()", Refused),
    ("pg_current_xact_id", "SELECT pg_current_xact_id()", Refused),
    ("setseed", "SELECT setseed(0.5)", Refused),
    ("setseed as a U&\"\" identifier without escapes", r#"SELECT U&"setseed"(0.5)"#, Refused),
    ("pg_create_physical_replication_slot", "SELECT pg_create_physical_replication_slot('vk_hostile_slot')", Refused),
    (
        "pg_create_logical_replication_slot",
        "SELECT pg_create_logical_replication_slot('vk_hostile_slot', 'test_decoding')",
        Refused,
    ),
    ("pg_stat_reset", "SELECT pg_stat_reset()", Refused),
    ("pg_backup_start", "SELECT pg_backup_start('x')", Refused),
    ("query_to_xml", "SELECT query_to_xml('DELETE FROM orders RETURNING *', true, true, '')", Refused),
    ("cursor_to_xml", "SELECT cursor_to_xml('c', 1, true, true, '')", Refused),
    ("table_to_xml", "SELECT table_to_xml('private_notes', true, true, '')", Refused),
    ("pg_ls_waldir", "SELECT * FROM pg_ls_waldir()", Refused),
];

/// Queries that would run for ever, return without end or take all memory.
const PG_EXHAUSTION: &[Case] = &[
    // generate_series in FROM would store its whole result before the first row; in the
    // select list it streams.
    (
        "an unbounded generate_series counted",
        "SELECT count(*) FROM (SELECT generate_series(1, 1000000000000)) g",
        TimesOut,
    ),
    ("an unbounded generate_series streamed", "SELECT generate_series(1, 1000000000000)", Capped),
    (
        "an endless recursive CTE counted",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
        TimesOut,
    ),
    (
        "an endless recursive CTE streamed",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
        Capped,
    ),
    (
        "a cartesian join of information_schema counted",
        "SELECT count(*) FROM information_schema.columns a, information_schema.columns b, information_schema.columns c",
        TimesOut,
    ),
    (
        "a cartesian join of information_schema streamed",
        "SELECT a.column_name FROM information_schema.columns a, information_schema.columns b",
        Capped,
    ),
    ("a 50 MB repeat()", "SELECT length(repeat('x', 50000000))", Reads),
    ("a repeat() over the 1 GB limit", "SELECT length(repeat('x', 1100000000))", Fails),
    ("a catastrophic-looking regular expression", "SELECT repeat('a', 40) ~ '(a+)+b'", Reads),
];

/// Harmless reads, some of them dressed like the attacks above: they must still work.
const PG_READS: &[Case] = &[
    ("a count", "SELECT count(*) FROM customers", Reads),
    ("a view", "SELECT * FROM revenue_by_country ORDER BY country", Reads),
    ("a join with a CTE", "WITH big AS (SELECT * FROM orders WHERE amount > 50) SELECT c.name, count(*) FROM big JOIN customers c ON c.id = big.customer_id GROUP BY c.name", Reads),
    ("a bounded recursive CTE", "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT sum(i) FROM n", Reads),
        ("VALUES", "VALUES (1, 'a'), (2, 'b')", Reads),
    ("dollar-quoted strings", "SELECT $tag$ a;b $tag$, $$x$$", Reads),
    ("an E'' string with escapes", r"SELECT E'a\tb\\c\'d'", Reads),
    ("a U&'' string", r"SELECT U&'d\0061t\+000061'", Reads),
    ("the catalog", "SELECT count(*) FROM pg_class", Reads),
    ("the server's activity", "SELECT count(*) FROM pg_stat_activity", Reads),
    ("the transaction is read-only", "SELECT current_setting('transaction_read_only')", Reads),
    ("random()", "SELECT random()", Reads),
    ("no transaction id is assigned", "SELECT txid_current_if_assigned()", Reads),
    ("a generous but bounded series", "SELECT count(*) FROM generate_series(1, 100000)", Reads),
];

// ---------------------------------------------------------------------------------------
// MariaDB

/// More than one statement, however the separator is dressed, including the comment forms
/// MariaDB executes (https://mariadb.com/kb/en/comment-syntax/) and `--` followed by a control
/// character, which MariaDB reads as a comment and sqlparser does not.
const MY_MULTI_STATEMENT: &[Case] = &[
    ("a write after a read", "SELECT 1; DELETE FROM orders", Refused),
    ("two reads", "SELECT 1; SELECT 2", Refused),
    ("an empty statement between separators", "SELECT 1;;DELETE FROM orders", Refused),
    ("a separator after a block comment", "SELECT 1 /* ; */ ; DELETE FROM orders", Refused),
    ("a separator after a # comment", "SELECT 1 # x\n; DELETE FROM orders", Refused),
    ("a separator inside a # comment", "SELECT 1 # ; DELETE FROM orders", Reads),
    ("a separator inside a -- comment", "SELECT 1 -- ; DELETE FROM orders", Reads),
    ("a carriage return does not end a # comment", "SELECT 1 # x\r; DELETE FROM orders", Reads),
    ("a separator in /*! */", "SELECT 1 /*! ; DELETE FROM orders */", Refused),
    ("a separator in /*!50000 */", "SELECT 1 /*!50000 ; DELETE FROM orders */", Refused),
    ("a separator in /*M! */", "SELECT 1 /*M! ; DELETE FROM orders */", Refused),
    ("a separator in /*M!100000 */", "SELECT 1 /*M!100000 ; DELETE FROM orders */", Refused),
    ("an optimizer hint", "SELECT /*+ MAX_EXECUTION_TIME(100000000) */ count(*) FROM customers", Refused),
    ("an optimizer hint setting a variable", "SELECT /*+ SET_VAR(sql_mode = 'ANSI_QUOTES') */ 1", Refused),
    ("-- and a tab hide the next line from the guard", "SELECT 1 --\t'\n; DELETE FROM orders -- '", Refused),
    ("-- and a vertical tab", "SELECT 1 --\x0b'\n; DELETE FROM orders -- '", Refused),
    ("-- and a form feed", "SELECT 1 --\x0c'\n; DELETE FROM orders -- '", Refused),
    ("-- and a carriage return", "SELECT 1 --\r'\n; DELETE FROM orders -- '", Refused),
    ("a backslash-escaped quote keeps a string open", r"SELECT 'x\'; DELETE FROM orders; --' AS s", Reads),
    ("an escaped backslash ends a string", r"SELECT 'x\\'; DELETE FROM orders; -- '", Refused),
    ("a backslash-escaped double quote keeps a string open", r#"SELECT "x\"; DELETE FROM orders; --" AS s"#, Reads),
    ("b\"…\" hiding a separator", r##"SELECT b"\"; DELETE FROM orders; # ""##, Refused),
    ("x\"…\" is a column and a string to both", r##"SELECT x"\"; DELETE FROM orders; # ""##, Fails),
    ("a separator in a backtick identifier", "SELECT 1 AS `x;DELETE FROM orders`", Reads),
    ("$$ is an identifier in MariaDB, not a string", "SELECT $$;DELETE FROM orders;$$", Unparseable),
    (
        "$$ … $$ around GET_LOCK are identifiers to both",
        "SELECT $$ , GET_LOCK('vk_hostile_dollar', 0) AS l , $$ AS s FROM (SELECT 1 AS `$$`) t",
        Refused,
    ),
    ("one trailing separator", "SELECT count(*) FROM customers;", Reads),
];

/// Every escape earlier probes found against MariaDB, verbatim.
const MY_EARLIER_ESCAPES: &[Case] = &[
    (
        "b\"…\" hiding GET_LOCK",
        r##"SELECT b"\" AS x, " , GET_LOCK('vk_hostile_probe', 0) AS l FROM (SELECT 1 AS b) t # ""##,
        Refused,
    ),
    (
        "b\"…\" hiding INTO OUTFILE",
        r##"SELECT b"\" AS x, " , 2 FROM (SELECT 1 AS b) t INTO OUTFILE '{dir}/out.txt' # ""##,
        Refused,
    ),
    ("b'…' with a backslash", r"SELECT b'\' , 1 #'", Refused),
    ("a comment opened inside a comment", "SELECT 1 /* /* */ , GET_LOCK('vk_hostile_nest', 0) AS l # */", Refused),
    ("/*M! INTO OUTFILE */", "SELECT 1 /*M! INTO OUTFILE '{dir}/m.txt' */", Refused),
    ("/*m!100000 SLEEP */", "SELECT 1 /*m!100000 , SLEEP(10) */", Refused),
    ("/*!50000 SLEEP */", "SELECT 1 /*!50000 , SLEEP(10) */", Refused),
    ("/*+ MAX_EXECUTION_TIME */", "SELECT /*+ MAX_EXECUTION_TIME(100000000) */ 1", Refused),
    ("-- and a tab hiding GET_LOCK", "SELECT 1 --\t'\n, GET_LOCK('x', 0) -- '", Refused),
    ("-- and a vertical tab hiding SLEEP", "SELECT 1 --\x0b'\n, SLEEP(5) -- '", Refused),
    ("-- and a form feed hiding GET_LOCK", "SELECT 1 --\x0c'\n, GET_LOCK('vk_hostile_ff', 0) -- '", Refused),
    ("-- and a carriage return hiding GET_LOCK", "SELECT 1 --\r'\n, GET_LOCK('vk_hostile_cr', 0) -- '", Refused),
    ("a user variable assignment", "SELECT @a := 5", Refused),
    ("two user variable assignments", "SELECT @a := 1, @b := 2", Refused),
    ("an assignment in WHERE", "SELECT id FROM customers WHERE (@b := id) > 0", Refused),
    ("LAST_INSERT_ID(x)", "SELECT LAST_INSERT_ID(77)", Refused),
    ("LAST_INSERT_ID()", "SELECT LAST_INSERT_ID()", Refused),
    ("MASTER_GTID_WAIT", "SELECT MASTER_GTID_WAIT('0-1-999999', 30)", Refused),
];

/// Data-modifying statements, and queries that write, lock or keep a value.
const MY_WRITES: &[Case] = &[
    ("INSERT", "INSERT INTO customers VALUES (9, 'x', 'y', '2024-01-01')", Refused),
    ("INSERT SELECT", "INSERT INTO customers SELECT id + 100, name, country, signed_up FROM customers", Refused),
    (
        "INSERT ON DUPLICATE KEY UPDATE",
        "INSERT INTO customers VALUES (1, 'x', 'y', '2024-01-01') ON DUPLICATE KEY UPDATE name = 'z'",
        Refused,
    ),
    ("REPLACE", "REPLACE INTO customers VALUES (1, 'x', 'y', '2024-01-01')", Refused),
    ("UPDATE", "UPDATE orders SET amount = 0", Refused),
    ("UPDATE with a join", "UPDATE orders o JOIN customers c ON c.id = o.customer_id SET o.amount = 0", Refused),
    ("DELETE", "DELETE FROM orders", Refused),
    ("DELETE with a join", "DELETE o FROM orders o JOIN customers c ON c.id = o.customer_id", Refused),
    ("a DELETE behind a CTE", "WITH x AS (SELECT 1) DELETE FROM orders", Refused),
    ("TRUNCATE", "TRUNCATE TABLE orders", Refused),
    ("SELECT INTO a variable", "SELECT id FROM customers LIMIT 1 INTO @v", Unparseable),
    ("SELECT INTO variables before FROM", "SELECT id, name INTO @v, @x FROM customers LIMIT 1", Unparseable),
    ("SELECT INTO OUTFILE", "SELECT * FROM customers INTO OUTFILE '{dir}/customers.txt'", Unparseable),
    ("SELECT INTO DUMPFILE", "SELECT name FROM customers LIMIT 1 INTO DUMPFILE '{dir}/dump.bin'", Unparseable),
    ("FOR UPDATE", "SELECT * FROM orders FOR UPDATE", Refused),
    ("FOR UPDATE NOWAIT", "SELECT * FROM orders FOR UPDATE NOWAIT", Refused),
    ("FOR UPDATE SKIP LOCKED", "SELECT * FROM orders FOR UPDATE SKIP LOCKED", Refused),
    ("LOCK IN SHARE MODE", "SELECT * FROM orders LOCK IN SHARE MODE", Unparseable),
    ("FOR UPDATE in a subquery", "SELECT count(*) FROM (SELECT * FROM orders FOR UPDATE) x", Refused),
];

/// Schema changes, maintenance and every other statement that is not a query.
const MY_STATEMENTS: &[Case] = &[
    ("CREATE TABLE", "CREATE TABLE t (a int)", Refused),
    ("CREATE TABLE AS SELECT", "CREATE TABLE t AS SELECT * FROM orders", Refused),
    ("CREATE TEMPORARY TABLE", "CREATE TEMPORARY TABLE t (a int)", Refused),
    ("CREATE VIEW", "CREATE VIEW v AS SELECT 1", Refused),
    ("CREATE INDEX", "CREATE INDEX i ON orders (amount)", Refused),
    ("CREATE PROCEDURE", "CREATE PROCEDURE p() DELETE FROM orders", Unparseable),
    ("CREATE EVENT", "CREATE EVENT e ON SCHEDULE EVERY 1 SECOND DO DELETE FROM orders", Unparseable),
    ("CREATE TRIGGER", "CREATE TRIGGER tr BEFORE INSERT ON orders FOR EACH ROW SET NEW.amount = 0", Unparseable),
    ("CREATE USER", "CREATE USER vk_hostile IDENTIFIED BY 'x'", Unparseable),
    ("DROP TABLE", "DROP TABLE orders", Refused),
    ("DROP DATABASE", "DROP DATABASE vizkraft_test", Refused),
    ("ALTER TABLE", "ALTER TABLE orders ADD COLUMN x int", Refused),
    ("RENAME TABLE", "RENAME TABLE orders TO gone", Refused),
    ("GRANT", "GRANT ALL ON *.* TO vk_writer", Refused),
    ("REVOKE", "REVOKE SELECT ON vizkraft_test.* FROM vk_reader", Refused),
    ("SET PASSWORD", "SET PASSWORD = PASSWORD('x')", Refused),
    ("OPTIMIZE TABLE", "OPTIMIZE TABLE orders", Unparseable),
    ("ANALYZE TABLE", "ANALYZE TABLE orders", Refused),
    ("REPAIR TABLE", "REPAIR TABLE orders", Unparseable),
    ("FLUSH TABLES WITH READ LOCK", "FLUSH TABLES WITH READ LOCK", Refused),
    ("LOCK TABLES", "LOCK TABLES orders WRITE", Refused),
    ("UNLOCK TABLES", "UNLOCK TABLES", Refused),
    ("KILL", "KILL CONNECTION 1", Refused),
    ("SHUTDOWN", "SHUTDOWN", Unparseable),
    ("INSTALL SONAME", "INSTALL SONAME 'ha_blackhole'", Unparseable),
    ("LOAD DATA INFILE", "LOAD DATA INFILE '/etc/passwd' INTO TABLE orders", Unparseable),
    ("LOAD DATA LOCAL INFILE", "LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE orders", Unparseable),
    ("LOAD XML", "LOAD XML INFILE '/etc/passwd' INTO TABLE orders", Unparseable),
    ("HANDLER OPEN", "HANDLER customers OPEN", Unparseable),
    ("HANDLER READ", "HANDLER customers READ FIRST", Unparseable),
    ("DO SLEEP", "DO SLEEP(5)", Unparseable),
    ("DO GET_LOCK", "DO GET_LOCK('vk_hostile_do', 0)", Unparseable),
    ("CALL", "CALL p()", Refused),
    ("PREPARE", "PREPARE s FROM 'DELETE FROM orders'", Unparseable),
    ("EXECUTE", "EXECUTE s", Refused),
    ("DEALLOCATE PREPARE", "DEALLOCATE PREPARE s", Refused),
    ("USE another database", "USE mysql", Refused),
    ("SHOW GRANTS", "SHOW GRANTS", Refused),
    ("EXPLAIN", "EXPLAIN SELECT * FROM orders", Refused),
    ("ANALYZE of a DELETE", "ANALYZE DELETE FROM orders", Unparseable),
    ("BINLOG", "BINLOG 'x'", Unparseable),
    ("PURGE BINARY LOGS", "PURGE BINARY LOGS BEFORE NOW()", Unparseable),
];

/// Transaction control and session settings.
const MY_SESSION: &[Case] = &[
    ("BEGIN", "BEGIN", Refused),
    ("START TRANSACTION READ WRITE", "START TRANSACTION READ WRITE", Refused),
    ("COMMIT", "COMMIT", Refused),
    ("ROLLBACK", "ROLLBACK", Refused),
    ("SAVEPOINT", "SAVEPOINT s", Refused),
    ("SET TRANSACTION READ WRITE", "SET TRANSACTION READ WRITE", Refused),
    ("SET SESSION TRANSACTION READ WRITE", "SET SESSION TRANSACTION READ WRITE", Refused),
    ("SET autocommit", "SET autocommit = 0", Refused),
    ("XA START", "XA START 'vk_hostile'", Unparseable),
    ("SET a user variable", "SET @a = 1", Refused),
    ("SET @@global", "SET @@global.max_connections = 1", Refused),
    ("SET GLOBAL", "SET GLOBAL general_log = OFF", Refused),
    ("SET sql_mode", "SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES'", Refused),
    ("SET max_statement_time", "SET max_statement_time = 0", Refused),
    ("SET @@session", "SET @@session.max_statement_time = 0", Refused),
    ("SET STATEMENT … FOR", "SET STATEMENT max_statement_time = 0 FOR SELECT 1", Unparseable),
    ("SET NAMES", "SET NAMES gbk", Refused),
    ("SET ROLE", "SET ROLE NONE", Refused),
];

/// Functions with effects outside the query, or reach outside the database.
const MY_FUNCTIONS: &[Case] = &[
    ("SLEEP", "SELECT SLEEP(5)", Refused),
    ("SLEEP with a space before the parenthesis", "SELECT SLEEP (5)", Refused),
    ("SLEEP in backticks", "SELECT `sleep`(5)", Refused),
    ("SLEEP in WHERE", "SELECT id FROM customers WHERE SLEEP(5) = 0", Refused),
    ("SLEEP in a subquery", "SELECT (SELECT SLEEP(5)) AS x", Refused),
    ("SLEEP in ORDER BY", "SELECT id FROM customers ORDER BY SLEEP(1)", Refused),
    ("BENCHMARK", "SELECT BENCHMARK(1000000000, MD5('a'))", Refused),
    ("LOAD_FILE", "SELECT LOAD_FILE('/etc/passwd')", Refused),
    ("GET_LOCK", "SELECT GET_LOCK('vk_hostile_lock', 0)", Refused),
    ("GET_LOCK in lower case", "SELECT get_lock('vk_hostile_lock', 0)", Refused),
    ("RELEASE_LOCK", "SELECT RELEASE_LOCK('vk_hostile_lock')", Refused),
    ("RELEASE_ALL_LOCKS", "SELECT RELEASE_ALL_LOCKS()", Refused),
    ("IS_FREE_LOCK", "SELECT IS_FREE_LOCK('vk_hostile_lock')", Refused),
    ("IS_USED_LOCK", "SELECT IS_USED_LOCK('vk_hostile_lock')", Refused),
    ("LAST_INSERT_ID qualified", "SELECT vizkraft_test.LAST_INSERT_ID(5)", Refused),
    ("NEXTVAL", "SELECT NEXTVAL(`{db}`.hostile_seq)", ServerRefuses),
    ("SETVAL", "SELECT SETVAL(`{db}`.hostile_seq, 100)", ServerRefuses),
    ("NEXT VALUE FOR", "SELECT NEXT VALUE FOR `{db}`.hostile_seq", Unparseable),
    ("LASTVAL reads only", "SELECT LASTVAL(`{db}`.hostile_seq)", Reads),
    ("MASTER_POS_WAIT", "SELECT MASTER_POS_WAIT('log', 4, 30)", Refused),
    ("sys_exec", "SELECT sys_exec('touch {dir}/pwned')", Refused),
    ("an ODBC escape around SLEEP", "SELECT { fn SLEEP(5) }", Refused),
];

/// Queries that would run for ever, return without end or take all memory.
const MY_EXHAUSTION: &[Case] = &[
    (
        "a cartesian join of information_schema counted",
        "SELECT count(*) FROM information_schema.columns a, information_schema.columns b, information_schema.columns c",
        TimesOut,
    ),
    (
        "a cartesian join of information_schema streamed",
        "SELECT a.COLUMN_NAME FROM information_schema.columns a, information_schema.columns b",
        Capped,
    ),
    // MariaDB stops a recursive CTE after max_recursive_iterations (1000 by default).
    (
        "an endless recursive CTE counted",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
        Reads,
    ),
    (
        "an endless recursive CTE streamed",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT i FROM n",
        Capped,
    ),
    (
        "an endless recursive CTE of cartesian joins",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n, information_schema.columns c) SELECT count(*) FROM n",
        TimesOut,
    ),
    ("an unbounded sequence table filtered", "SELECT count(*) FROM seq_1_to_1000000000000 WHERE seq % 7 = 3", TimesOut),
    ("an unbounded sequence table streamed", "SELECT seq FROM seq_1_to_1000000000000", Capped),
    ("a 10 MB REPEAT()", "SELECT LENGTH(REPEAT('x', 10000000))", Reads),
    ("a REPEAT() over max_allowed_packet", "SELECT REPEAT('x', 2000000000)", Reads),
    ("a backtracking regular expression", "SELECT REPEAT('a', 40) REGEXP '(a+)+b'", Reads),
];

/// Harmless reads, some dressed like the attacks above: they must still work.
const MY_READS: &[Case] = &[
    ("a count", "SELECT count(*) FROM customers", Reads),
    ("a view", "SELECT * FROM revenue_by_country ORDER BY country", Reads),
    (
        "a bounded recursive CTE",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) SELECT sum(i) FROM n",
        Reads,
    ),
    ("a server variable", "SELECT @@version", Reads),
    ("a bit string", "SELECT b'0101'", Reads),
    ("minus minus one", "SELECT 2--1", Reads),
    ("an ordinary comment", "SELECT 1 /* a comment */", Reads),
    ("a string with escapes", r"SELECT 'a\tb\\c\'d'", Reads),
    ("the session's own id", "SELECT CONNECTION_ID()", Reads),
    ("a JSON value", "SELECT JSON_OBJECT('a', 1)", Reads),
];

// ---------------------------------------------------------------------------------------
// Running the cases

/// How long one request may take before the case counts as a hang.
const HANG: Duration = Duration::from_secs(30);

fn describe(reply: &Reply) -> String {
    match reply {
        Err((status, e)) => format!("HTTP {status} {:?}: {}", e.code, e.message),
        Ok(frames) => format!("{:?}", frames.last()),
    }
}

/// A cell as text, for messages (`Cell`'s own `Debug` hides values).
fn show(cell: &Cell) -> String {
    match cell {
        Cell::Null => "NULL".into(),
        Cell::Text(t) => format!("{t:?}"),
        cell => cell.to_string(),
    }
}

fn count(frames: &[ResultFrame]) -> Option<i64> {
    match rows_of(frames).first().and_then(|row| row.first()) {
        Some(Cell::Int(n)) => Some(*n),
        _ => None,
    }
}

/// What a case runs against: the relay's source, an admin session that fingerprints the
/// server, and the directory that must stay empty.
struct Target<'a> {
    relay: &'a TestRelay,
    source_id: String,
    admin: Admin,
    dir: &'a Path,
}

/// Runs every case: expected outcome, nothing changed, the source still answering. Collects
/// all failures so one run shows every hole.
async fn run_cases(target: &mut Target<'_>, cases: &[(&str, String, Expect)]) -> Vec<String> {
    let dir = target.dir.to_string_lossy().into_owned();
    let db = target.admin.database().to_owned();
    let mut failures = Vec::new();
    for (name, sql, expected) in cases {
        let sql = sql.replace("{dir}", &dir).replace("{db}", &db);
        let before = target.admin.fingerprint(target.dir).await;
        let reply = match tokio::time::timeout(HANG, target.relay.query_source(&target.source_id, &sql)).await {
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
        let after = target.admin.fingerprint(target.dir).await;
        failures.extend(changes(&before, &after).into_iter().map(|change| format!("{name}: {change}")));
        let health =
            tokio::time::timeout(HANG, target.relay.query_source(&target.source_id, "SELECT count(*) FROM customers"))
                .await;
        match health {
            Ok(Ok(frames)) if count(&frames) == Some(5) => {}
            Ok(other) => failures.push(format!("{name}: the source is unwell afterwards: {}", describe(&other))),
            Err(_) => failures.push(format!("{name}: the source does not answer afterwards")),
        }
    }
    failures
}

/// What differs between two fingerprints, one line per item.
fn changes(before: &Fingerprint, after: &Fingerprint) -> Vec<String> {
    before
        .iter()
        .filter_map(|(what, was)| {
            let now = after.get(what).map(String::as_str).unwrap_or("(gone)");
            (now != was).then(|| format!("{what} changed: {was} -> {now}"))
        })
        .collect()
}

fn owned(tables: &[&[Case]]) -> Vec<(&'static str, String, Expect)> {
    tables.iter().flat_map(|t| t.iter()).map(|(name, sql, expect)| (*name, (*sql).to_owned(), *expect)).collect()
}

/// Nesting and operator chains 10,000 deep, and SQL over the size limit: the guard refuses
/// them without overflowing its stack, and nothing reaches the server.
fn deep_cases() -> Vec<(&'static str, String, Expect)> {
    let deep = 10_000;
    vec![
        ("10,000 nested parentheses", format!("SELECT {}1{}", "(".repeat(deep), ")".repeat(deep)), Refused),
        (
            "10,000 nested scalar subqueries",
            format!("SELECT {}1{}", "(SELECT ".repeat(deep), ")".repeat(deep)),
            Refused,
        ),
        ("10,000 nested negations", format!("SELECT {}1", "- ".repeat(deep)), Refused),
        ("10,000 chained additions", format!("SELECT 1{}", "+1".repeat(deep)), Refused),
        ("10,000 chained ORs", format!("SELECT 1 FROM customers WHERE 1 = 1{}", " OR 1 = 1".repeat(deep)), Refused),
        ("5,000 chained UNIONs", format!("SELECT 1{}", " UNION SELECT 1".repeat(5_000)), Refused),
        ("SQL over the size limit", format!("SELECT 1{}", " ".repeat(100_001)), TooLong),
    ]
}

/// All cases of one engine, as they run (the generated ones included).
fn pg_cases() -> Vec<(&'static str, String, Expect)> {
    let mut cases = owned(&[
        PG_MULTI_STATEMENT,
        PG_EARLIER_ESCAPES,
        PG_WRITES,
        PG_STATEMENTS,
        PG_SESSION,
        PG_FUNCTIONS,
        PG_EXHAUSTION,
        PG_READS,
    ]);
    cases.extend(deep_cases());
    cases
}

fn my_cases() -> Vec<(&'static str, String, Expect)> {
    let mut cases = owned(&[
        MY_MULTI_STATEMENT,
        MY_EARLIER_ESCAPES,
        MY_WRITES,
        MY_STATEMENTS,
        MY_SESSION,
        MY_FUNCTIONS,
        MY_EXHAUSTION,
        MY_READS,
    ]);
    cases.extend(deep_cases());
    cases
}

/// Every name a case passes to a named-lock function (`GET_LOCK('name', …)` and its kin):
/// none may be held once the suite is done.
fn lock_names(cases: &[(&str, String, Expect)]) -> Vec<String> {
    let mut names = Vec::new();
    for (_, sql, _) in cases {
        for (at, _) in sql.to_ascii_uppercase().match_indices("_LOCK('") {
            let rest = &sql[at + "_LOCK('".len()..];
            if let Some(end) = rest.find('\'') {
                names.push(rest[..end].to_owned());
            }
        }
    }
    names.sort();
    names.dedup();
    names
}

// ---------------------------------------------------------------------------------------
// The servers' side: admin sessions and fingerprints

enum Admin {
    /// The cluster's superuser, which sees every catalog, slot, lock and setting.
    Postgres(PgConnection),
    /// MariaDB's root, and the database of the test's own (holding a sequence).
    Mariadb(MySqlConnection, String),
}

/// Everything a case could change, as (what, value) in a comparable form.
type Fingerprint = BTreeMap<String, String>;

/// PostgreSQL catalog listings, each one text. `pg_toast` is left out; temporary schemas are not.
const PG_CATALOG: &[(&str, &str)] = &[
    (
        "relations",
        "SELECT coalesce(string_agg(format('%s.%s:%s:%s', n.nspname, c.relname, c.relkind, c.relacl), ', '
                 ORDER BY n.nspname, c.relname), '')
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'",
    ),
    (
        "columns",
        "SELECT coalesce(string_agg(format('%s.%s:%s', a.attrelid::regclass, a.attname, a.atttypid::regtype), ', '
                 ORDER BY a.attrelid::regclass::text, a.attnum), '')
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE a.attnum > 0 AND NOT a.attisdropped
           AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'",
    ),
    (
        "functions",
        "SELECT coalesce(string_agg(p.oid::regprocedure::text || ':' || coalesce(p.proacl::text, ''), ', '
                 ORDER BY p.oid::regprocedure::text), '')
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')",
    ),
    (
        "sequences",
        "SELECT coalesce(string_agg(format('%s.%s=%s', schemaname, sequencename, last_value), ', '
                 ORDER BY schemaname, sequencename), '') FROM pg_sequences",
    ),
    ("replication slots", "SELECT coalesce(string_agg(slot_name::text, ', ' ORDER BY slot_name), '') FROM pg_replication_slots"),
    ("replication origins", "SELECT count(*)::text FROM pg_replication_origin"),
    ("large objects", "SELECT count(*)::text FROM pg_largeobject_metadata"),
    (
        "roles",
        "SELECT string_agg(format('%s super=%s login=%s replication=%s config=%s', rolname, rolsuper, rolcanlogin,
                 rolreplication, rolconfig), ', ' ORDER BY rolname) FROM pg_roles",
    ),
    (
        "role memberships",
        "SELECT coalesce(string_agg(format('%s>%s', roleid::regrole, member::regrole), ', ' ORDER BY roleid, member), '')
         FROM pg_auth_members",
    ),
    (
        "role and database settings",
        "SELECT coalesce(string_agg(format('%s/%s=%s', setdatabase, setrole, setconfig), ', '
                 ORDER BY setdatabase, setrole), '') FROM pg_db_role_setting",
    ),
    ("database", "SELECT format('%s %s', datacl, datallowconn) FROM pg_database WHERE datname = current_database()"),
    ("extensions", "SELECT string_agg(extname, ', ' ORDER BY extname) FROM pg_extension"),
    ("prepared transactions", "SELECT count(*)::text FROM pg_prepared_xacts"),
    (
        "configuration files",
        "SELECT coalesce(string_agg(format('%s=%s', name, setting), ', ' ORDER BY sourcefile, sourceline), '')
         FROM pg_file_settings",
    ),
    (
        "statistics reset times",
        "SELECT format('%s %s', (SELECT stats_reset FROM pg_stat_bgwriter),
                 (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()))",
    ),
    ("advisory locks", "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory'"),
];

/// MariaDB catalog listings, each one text (`{db}` is the test's own database).
const MY_CATALOG: &[(&str, &str)] = &[
    (
        "tables",
        "SELECT GROUP_CONCAT(CONCAT_WS(':', TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE, CREATE_TIME, UPDATE_TIME)
                 ORDER BY TABLE_SCHEMA, TABLE_NAME SEPARATOR ', ')
         FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('vizkraft_test', '{db}')",
    ),
    (
        "columns",
        "SELECT GROUP_CONCAT(CONCAT_WS(':', TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, COLUMN_TYPE)
                 ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION SEPARATOR ', ')
         FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ('vizkraft_test', '{db}')",
    ),
    (
        "routines",
        "SELECT GROUP_CONCAT(CONCAT_WS(':', ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE)
                 ORDER BY ROUTINE_SCHEMA, ROUTINE_NAME SEPARATOR ', ') FROM information_schema.ROUTINES",
    ),
    (
        "triggers",
        "SELECT GROUP_CONCAT(CONCAT_WS(':', TRIGGER_SCHEMA, TRIGGER_NAME) ORDER BY TRIGGER_SCHEMA, TRIGGER_NAME SEPARATOR ', ')
         FROM information_schema.TRIGGERS",
    ),
    (
        "events",
        "SELECT GROUP_CONCAT(CONCAT_WS(':', EVENT_SCHEMA, EVENT_NAME) ORDER BY EVENT_SCHEMA, EVENT_NAME SEPARATOR ', ')
         FROM information_schema.EVENTS",
    ),
    (
        "views",
        "SELECT GROUP_CONCAT(CONCAT_WS(':', TABLE_SCHEMA, TABLE_NAME,
                     IF(TABLE_SCHEMA IN ('vizkraft_test', '{db}'), VIEW_DEFINITION, NULL))
                 ORDER BY TABLE_SCHEMA, TABLE_NAME SEPARATOR ', ')
         FROM information_schema.VIEWS",
    ),
    ("databases", "SELECT GROUP_CONCAT(SCHEMA_NAME ORDER BY SCHEMA_NAME SEPARATOR ', ') FROM information_schema.SCHEMATA"),
    ("users", "SELECT GROUP_CONCAT(CONCAT(User, '@', Host) ORDER BY User, Host SEPARATOR ', ') FROM mysql.user"),
    (
        "database privileges",
        "SELECT GROUP_CONCAT(CONCAT_WS(':', Db, User, Host, Select_priv, Insert_priv, Update_priv, Delete_priv, Drop_priv)
                 ORDER BY Db, User, Host SEPARATOR ', ') FROM mysql.db",
    ),
    (
        "table privileges",
        "SELECT GROUP_CONCAT(CONCAT_WS(':', Db, User, Host, Table_name, Table_priv) ORDER BY Db, User, Host, Table_name SEPARATOR ', ')
         FROM mysql.tables_priv",
    ),
    (
        "plugins",
        "SELECT GROUP_CONCAT(PLUGIN_NAME ORDER BY PLUGIN_NAME SEPARATOR ', ') FROM information_schema.PLUGINS
         WHERE PLUGIN_STATUS = 'ACTIVE'",
    ),
    (
        "server variables",
        "SELECT CONCAT_WS(', ', @@global.max_statement_time, @@global.sql_mode, @@global.general_log, @@global.read_only,
                 @@global.max_connections, @@global.event_scheduler, @@global.local_infile, @@global.max_allowed_packet,
                 @@global.lock_wait_timeout, @@global.log_bin)",
    ),
    ("the sequence", "SELECT CONCAT_WS(':', next_not_cached_value, cycle_count) FROM `{db}`.hostile_seq"),
];

impl Admin {
    fn database(&self) -> &str {
        match self {
            Admin::Postgres(_) => "",
            Admin::Mariadb(_, db) => db,
        }
    }

    async fn fingerprint(&mut self, dir: &Path) -> Fingerprint {
        let mut print = Fingerprint::new();
        match self {
            Admin::Postgres(conn) => {
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
                        .fetch_all(&mut *conn)
                        .await
                        .unwrap();
                for table in tables {
                    let sql = format!(
                        "SELECT coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), 'empty') FROM public.\"{}\" t",
                        table.replace('"', "\"\"")
                    );
                    let md5: String = sqlx::query_scalar(&sql).fetch_one(&mut *conn).await.unwrap();
                    print.insert(format!("rows of {table}"), md5);
                }
                for (what, sql) in PG_CATALOG {
                    let value: Option<String> = sqlx::query_scalar(sql).fetch_one(&mut *conn).await.unwrap();
                    print.insert((*what).to_owned(), value.unwrap_or_default());
                }
            }
            Admin::Mariadb(conn, db) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT CAST(CONCAT('`', TABLE_SCHEMA, '`.`', TABLE_NAME, '`') AS CHAR) FROM information_schema.TABLES
                     WHERE TABLE_SCHEMA = 'vizkraft_test' AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                )
                .fetch_all(&mut *conn)
                .await
                .unwrap();
                let sql = format!("CHECKSUM TABLE {} EXTENDED", tables.join(", "));
                for row in sqlx::raw_sql(&sql).fetch_all(&mut *conn).await.unwrap() {
                    let table: String = row.try_get_unchecked(0).unwrap();
                    let checksum: Option<i64> = row.try_get_unchecked(1).unwrap();
                    print.insert(format!("checksum of {table}"), format!("{checksum:?}"));
                }
                for (what, sql) in MY_CATALOG {
                    let sql = format!("SELECT CAST(({}) AS CHAR)", sql.replace("{db}", db));
                    let value: Option<String> = sqlx::query_scalar(&sql).fetch_one(&mut *conn).await.unwrap();
                    print.insert((*what).to_owned(), value.unwrap_or_default());
                }
                for user in ["vk_writer", "vk_reader"] {
                    let grants: Vec<String> =
                        sqlx::query_scalar(&format!("SHOW GRANTS FOR {user}@'%'")).fetch_all(&mut *conn).await.unwrap();
                    print.insert(format!("grants of {user}"), grants.join("; "));
                }
            }
        }
        let mut files: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        files.sort();
        print.insert("files in the scratch directory".into(), files.join(", "));
        print
    }
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

/// An empty directory anyone may write to, so a file written by a server process would show.
fn scratch_dir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------
// Sources through the API

fn network_request(s: &Servers, engine: Engine, login: &Login) -> SourceRequest {
    let settings = NetworkSettings {
        host: "localhost".into(),
        port: if engine == Engine::Postgres { s.pg_port } else { s.mariadb_port },
        database: "vizkraft_test".into(),
        user: login.user.clone(),
        ca_certificate: Some(std::fs::read_to_string(&s.ca).unwrap()),
        server_name: None,
        unencrypted: false,
    };
    let connection = match engine {
        Engine::Postgres => ConnectionSettings::Postgres(settings),
        _ => ConnectionSettings::Mysql(settings),
    };
    SourceRequest {
        name: format!("Hostile {engine:?}"),
        connection,
        password: Some(login.password.clone()),
        accept_writable_login: true,
    }
}

async fn add(relay: &TestRelay, request: &SourceRequest) -> String {
    let body = serde_json::to_value(request).unwrap();
    let reply = timed("add source", relay.call(Method::POST, "/api/v1/sources", Some(body), &relay.owner)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    reply.json::<SourceDetails>().source.id.0
}

/// The failure kind's wire name from "Test connection", or "ok".
async fn test_outcome(relay: &TestRelay, request: &SourceRequest) -> String {
    let body = serde_json::to_value(request).unwrap();
    let reply =
        timed("test connection", relay.call(Method::POST, "/api/v1/sources/test", Some(body), &relay.owner)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    match reply.json::<ConnectionTestResponse>().failure {
        Some(failure) => serde_json::to_value(failure.kind).unwrap().as_str().unwrap().to_owned(),
        None => "ok".into(),
    }
}

/// The relay's limits for the hostile runs: a short statement timeout and a small row cap.
async fn hostile_relay() -> TestRelay {
    TestRelay::start_with(|args| {
        args.limits.statement_timeout_ms = 1_000;
        args.limits.row_cap = 1_000;
    })
    .await
}

// ---------------------------------------------------------------------------------------
// The tests

#[tokio::test]
async fn hostile_sql_against_postgres_is_refused_stopped_or_capped_and_changes_nothing() {
    let Some(s) = servers() else { return };
    let relay = hostile_relay().await;
    let source_id = add(&relay, &network_request(&s, Engine::Postgres, &s.pg_writer)).await;
    let superuser = s.pg_options_as(&s.pg_superuser, s.pg_port, "vizkraft_test", &s.ca);
    let admin = timed("connect", superuser.connect()).await.unwrap();
    let scratch = scratch_dir();
    let mut target = Target { relay: &relay, source_id, admin: Admin::Postgres(admin), dir: scratch.path() };

    let first = target.admin.fingerprint(scratch.path()).await;
    let mut failures = run_cases(&mut target, &pg_cases()).await;
    let last = target.admin.fingerprint(scratch.path()).await;
    let Admin::Postgres(admin) = &mut target.admin else { unreachable!() };
    let source = target.source_id.as_str();

    // No advisory lock is held by anyone.
    let locks: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
        .fetch_one(&mut *admin)
        .await
        .unwrap();
    if locks != 0 {
        failures.push(format!("{locks} advisory locks are held after the suite"));
    }

    // The pooled session is as fresh as a new one: random() is not on the sequence
    // setseed(0.5) starts (computed here, in a session of the test's own) …
    sqlx::query("SELECT setseed(0.5)").execute(&mut *admin).await.unwrap();
    let mut seeded = Vec::new();
    for _ in 0..5 {
        seeded.push(sqlx::query_scalar::<_, f64>("SELECT random()").fetch_one(&mut *admin).await.unwrap());
    }
    for _ in 0..5 {
        let frames = relay.query_source(source, "SELECT random()").await.unwrap();
        match rows_of(&frames).first().and_then(|r| r.first()) {
            Some(Cell::Float(value)) if seeded.contains(value) => {
                failures.push(format!("random() gave {value}, from the sequence setseed(0.5) starts"))
            }
            Some(Cell::Float(_)) => {}
            _ => failures.push(format!("random() gave no number: {:?}", frames.last())),
        }
    }
    // … and its login, search path, string syntax, read-only default, channels and cursors
    // (other than this query's own portal) are the ones the relay set.
    let frames = relay
        .query_source(
            source,
            "SELECT current_user::text, session_user::text, current_setting('search_path'),
                    current_setting('standard_conforming_strings'), current_setting('default_transaction_read_only'),
                    (SELECT count(*) FROM pg_listening_channels()), (SELECT count(*) FROM pg_cursors WHERE name <> '')",
        )
        .await
        .unwrap();
    let state: Vec<String> = rows_of(&frames).first().map(|r| r.iter().map(show).collect()).unwrap_or_default();
    let fresh = ["\"vk_writer\"", "\"vk_writer\"", "\"\\\"$user\\\", public\"", "\"on\"", "\"on\"", "0", "0"];
    if state != fresh {
        failures.push(format!("the session state after the suite is {state:?}, not {fresh:?}"));
    }

    let frames = relay.query_source(source, "SELECT count(*) FROM customers").await.unwrap();
    assert_eq!(count(&frames), Some(5), "the source does not answer after the suite");
    failures.extend(changes(&first, &last).into_iter().map(|change| format!("over the suite: {change}")));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn hostile_sql_against_mariadb_is_refused_stopped_or_capped_and_changes_nothing() {
    let Some(s) = servers() else { return };
    let mut root = timed("connect", s.mariadb_options_as(&s.mariadb_root, &s.ca).connect()).await.unwrap();
    // A database of the test's own, so other tests' view of vizkraft_test stays as it is,
    // holding a sequence the writer could advance if the read-only transaction let it.
    let db = unique("vk_hostile");
    root.execute(format!("CREATE DATABASE `{db}`").as_str()).await.unwrap();
    root.execute(format!("CREATE SEQUENCE `{db}`.hostile_seq").as_str()).await.unwrap();
    root.execute(format!("GRANT SELECT, INSERT, UPDATE, DELETE ON `{db}`.* TO vk_writer@'%'").as_str()).await.unwrap();
    root.execute("SET SESSION group_concat_max_len = 1000000").await.unwrap();

    let relay = hostile_relay().await;
    let source_id = add(&relay, &network_request(&s, Engine::Mysql, &s.mariadb_writer)).await;
    let scratch = scratch_dir();
    let mut target = Target { relay: &relay, source_id, admin: Admin::Mariadb(root, db.clone()), dir: scratch.path() };

    let first = target.admin.fingerprint(scratch.path()).await;
    let mut failures = run_cases(&mut target, &my_cases()).await;
    let last = target.admin.fingerprint(scratch.path()).await;
    let Admin::Mariadb(root, _) = &mut target.admin else { unreachable!() };
    let source = target.source_id.as_str();

    // No named lock any case names is held.
    let names = lock_names(&my_cases());
    assert!(names.len() >= 8, "{names:?}");
    for name in &names {
        let holder: Option<i64> =
            sqlx::query_scalar("SELECT IS_USED_LOCK(?)").bind(name).fetch_one(&mut *root).await.unwrap();
        if let Some(holder) = holder {
            failures.push(format!("the named lock {name:?} is held by connection {holder}"));
        }
    }

    // The pooled session is as fresh as a new one: no user variable set, the relay's SQL
    // mode and read-only default, the same login and database.
    let frames = relay
        .query_source(
            source,
            "SELECT @a, @b, @v, @x, @@session.sql_mode, @@session.tx_read_only, CURRENT_USER(), DATABASE()",
        )
        .await
        .unwrap();
    let state: Vec<String> = rows_of(&frames).first().map(|r| r.iter().map(show).collect()).unwrap_or_default();
    let fresh =
        ["NULL", "NULL", "NULL", "NULL", "\"NO_ENGINE_SUBSTITUTION\"", "1", "\"vk_writer@%\"", "\"vizkraft_test\""];
    if state != fresh {
        failures.push(format!("the session state after the suite is {state:?}, not {fresh:?}"));
    }
    let frames = relay.query_source(source, "SELECT count(*) FROM customers").await.unwrap();
    let customers = count(&frames);

    root.execute(format!("REVOKE ALL PRIVILEGES ON `{db}`.* FROM vk_writer@'%'").as_str()).await.unwrap();
    root.execute(format!("DROP DATABASE `{db}`").as_str()).await.unwrap();
    assert_eq!(customers, Some(5), "the source does not answer after the suite");
    failures.extend(changes(&first, &last).into_iter().map(|change| format!("over the suite: {change}")));
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Logins that reach past a read-only transaction are refused before they can be sources.
#[tokio::test]
async fn superuser_and_root_logins_are_refused_as_privileged() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    for (engine, login) in [(Engine::Postgres, &s.pg_superuser), (Engine::Mysql, &s.mariadb_root)] {
        assert_eq!(test_outcome(&relay, &network_request(&s, engine, login)).await, "privileged_login", "{engine:?}");
    }
}

/// Settings that smuggle a port, an option or a control character, or aim at an address the
/// relay refuses, fail before any connection is made.
#[tokio::test]
async fn connection_settings_that_smuggle_options_or_reach_forbidden_addresses_are_refused() {
    let Some(s) = servers() else { return };
    let relay = TestRelay::start_with(|_| {}).await;
    let good = network_request(&s, Engine::Postgres, &s.pg_reader);
    assert_eq!(test_outcome(&relay, &good).await, "ok");

    fn settings(request: &mut SourceRequest) -> &mut NetworkSettings {
        match &mut request.connection {
            ConnectionSettings::Postgres(n) | ConnectionSettings::Mysql(n) => n,
            ConnectionSettings::Sqlite { .. } => unreachable!(),
        }
    }
    type Change = fn(&mut NetworkSettings);
    let cases: &[(&str, Change, &str)] = &[
        ("a port in the host field", |n| n.host = "127.0.0.1:5432".into(), "invalid_settings"),
        ("a query string in the host field", |n| n.host = "localhost?sslmode=disable".into(), "invalid_settings"),
        ("a URL in the host field", |n| n.host = "postgres://localhost/vizkraft_test".into(), "invalid_settings"),
        ("a host with a trailing space", |n| n.host = "localhost ".into(), "invalid_settings"),
        ("a user with a NUL byte", |n| n.user = "vk_reader\0".into(), "invalid_settings"),
        ("a user with a line break", |n| n.user = "vk_reader\r\noptions=-c".into(), "invalid_settings"),
        ("a database with a NUL byte", |n| n.database = "vizkraft_test\0x".into(), "invalid_settings"),
        ("a server name with a space", |n| n.server_name = Some("localhost evil".into()), "invalid_settings"),
        ("an empty server name", |n| n.server_name = Some(String::new()), "invalid_settings"),
        ("port 0", |n| n.port = 0, "invalid_settings"),
        (
            "metadata as an IPv4-mapped IPv6 address",
            |n| n.host = "[::ffff:169.254.169.254]".into(),
            "forbidden_address",
        ),
        ("metadata as hex IPv4-mapped IPv6", |n| n.host = "[::ffff:a9fe:a9fe]".into(), "forbidden_address"),
        ("metadata as one decimal number", |n| n.host = "2852039166".into(), "forbidden_address"),
        ("the unspecified IPv6 address", |n| n.host = "[::]".into(), "forbidden_address"),
        (
            "unencrypted to a name that only starts with localhost",
            |n| {
                n.host = "localhost.example.com".into();
                n.unencrypted = true;
            },
            "forbidden_address",
        ),
        (
            "unencrypted to a name that spells a loopback address",
            |n| {
                n.host = "127.0.0.1.nip.io".into();
                n.unencrypted = true;
            },
            "forbidden_address",
        ),
        (
            "unencrypted to a private address",
            |n| {
                n.host = "[::ffff:10.0.0.1]".into();
                n.unencrypted = true;
            },
            "forbidden_address",
        ),
    ];
    let mut failures = Vec::new();
    for (name, change, expected) in cases {
        for engine in [Engine::Postgres, Engine::Mysql] {
            let mut request =
                network_request(&s, engine, if engine == Engine::Postgres { &s.pg_reader } else { &s.mariadb_reader });
            change(settings(&mut request));
            let got = test_outcome(&relay, &request).await;
            if got != *expected {
                failures.push(format!("{engine:?}, {name}: expected {expected}, got {got}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// SQLite sources are files in the operator's directory and nowhere else.
#[tokio::test]
async fn sqlite_files_outside_the_operators_directory_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let sources = root.path().join("sources");
    std::fs::create_dir(&sources).unwrap();
    let outside = root.path().join("outside.db");
    for path in [&outside, &sources.join("inside.db")] {
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await.unwrap();
        conn.execute("CREATE TABLE t (a INTEGER)").await.unwrap();
        conn.close().await.unwrap();
    }
    std::os::unix::fs::symlink(&outside, sources.join("escape.db")).unwrap();
    std::os::unix::fs::symlink(root.path(), sources.join("up")).unwrap();
    let relay = TestRelay::start_with(|args| args.sources.sqlite_dir = Some(sources.clone())).await;

    let request = |file: &str| SourceRequest {
        name: "SQLite".into(),
        connection: ConnectionSettings::Sqlite { file: file.into() },
        password: None,
        accept_writable_login: false,
    };
    assert_eq!(test_outcome(&relay, &request("inside.db")).await, "ok");
    let absolute: PathBuf = outside.canonicalize().unwrap();
    for file in [
        "../outside.db",
        absolute.to_str().unwrap(),
        "escape.db",
        "up/outside.db",
        "./inside.db",
        "inside.db/../../outside.db",
        "/etc/passwd",
        "inside.db\0",
    ] {
        assert_eq!(test_outcome(&relay, &request(file)).await, "file_refused", "{file:?}");
    }
}

#[test]
fn the_module_doc_states_the_case_counts() {
    let doc = include_str!("hostile_network.rs").lines().find(|l| l.starts_with("//! Cases:")).unwrap();
    let expected = format!("//! Cases: PostgreSQL {}, MariaDB {} (generated", pg_cases().len(), my_cases().len());
    assert!(doc.starts_with(&expected), "update the module doc: {expected}");
}
