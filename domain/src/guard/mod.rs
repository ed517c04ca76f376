//! The first of the two read-only barriers: admit exactly one read-only query, or say which
//! part is not. The second barrier is the read-only database session the relay runs it in.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, ObjectName, Query, SetExpr, Statement, TableFactor, Visit, Visitor};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};

use crate::error::{ApiError, ErrorCode};
use crate::semantic::Engine;

/// Why a statement was refused. `part` names the offending construct for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("The SQL could not be parsed: {0}")]
    Syntax(String),
    #[error("Only a single read-only query (SELECT or WITH … SELECT) is allowed; refused: {part}")]
    NotReadOnly { part: String },
}

impl GuardError {
    pub fn code(&self) -> ErrorCode {
        match self {
            GuardError::Syntax(_) => ErrorCode::SqlSyntax,
            GuardError::NotReadOnly { .. } => ErrorCode::ReadOnlyViolation,
        }
    }
}

impl From<GuardError> for ApiError {
    fn from(e: GuardError) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}

/// Admits `sql` only if it is exactly one query statement that cannot write, lock or reach
/// outside the database in `engine`'s dialect.
pub fn check(sql: &str, engine: Engine) -> Result<(), GuardError> {
    let dialect = dialect(engine);
    reject_executable_comments(sql, engine, dialect.as_ref())?;
    let statements = Parser::parse_sql(dialect.as_ref(), sql).map_err(|e| match e {
        ParserError::RecursionLimitExceeded => GuardError::NotReadOnly { part: "nesting too deep".into() },
        other => GuardError::Syntax(other.to_string()),
    })?;
    let statement = match statements.as_slice() {
        [one] => one,
        [] => return Err(GuardError::Syntax("no statement found".into())),
        _ => return Err(refuse(format!("{} statements (only one is allowed)", statements.len()))),
    };
    let Statement::Query(query) = statement else {
        return Err(refuse(statement_keyword(statement)));
    };
    let mut inspector = ReadOnlyInspector { engine, top: true };
    match query.visit(&mut inspector) {
        ControlFlow::Break(err) => Err(err),
        ControlFlow::Continue(()) => Ok(()),
    }
}

fn dialect(engine: Engine) -> Box<dyn Dialect> {
    match engine {
        Engine::Sqlite => Box::new(SQLiteDialect {}),
        Engine::Postgres => Box::new(PostgreSqlDialect {}),
        Engine::Mysql => Box::new(MySqlDialect {}),
    }
}

fn refuse(part: impl Into<String>) -> GuardError {
    GuardError::NotReadOnly { part: part.into() }
}

/// MySQL runs the body of `/*! … */` comments as SQL, so a parser that skips comments would
/// not see it. Refuse them outright rather than parse them.
fn reject_executable_comments(sql: &str, engine: Engine, dialect: &dyn Dialect) -> Result<(), GuardError> {
    if engine != Engine::Mysql {
        return Ok(());
    }
    let tokens = Tokenizer::new(dialect, sql).tokenize().map_err(|e| GuardError::Syntax(e.to_string()))?;
    let executable = tokens
        .iter()
        .any(|t| matches!(t, Token::Whitespace(Whitespace::MultiLineComment(body)) if body.starts_with('!')));
    if executable {
        return Err(refuse("a MySQL executable comment (/*! … */)"));
    }
    Ok(())
}

fn statement_keyword(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    format!("a {} statement", words.join(" "))
}

struct ReadOnlyInspector {
    engine: Engine,
    /// The outermost statement is the query itself; any statement met below it is nested.
    top: bool,
}

impl Visitor for ReadOnlyInspector {
    type Break = GuardError;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<GuardError> {
        if self.top {
            self.top = false;
            return ControlFlow::Continue(());
        }
        ControlFlow::Break(refuse(format!("{} inside the query", statement_keyword(statement))))
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<GuardError> {
        self.top = false;
        if !query.locks.is_empty() {
            return ControlFlow::Break(refuse("a locking clause (FOR UPDATE/SHARE)"));
        }
        check_set_expr(&query.body)
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<GuardError> {
        if let Expr::Function(function) = expr {
            return self.check_function(&function.name);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<GuardError> {
        match factor {
            TableFactor::Table { name, args: Some(_), .. } => self.check_function(name),
            TableFactor::Function { name, .. } => self.check_function(name),
            TableFactor::TableFunction { expr: Expr::Function(f), .. } => self.check_function(&f.name),
            _ => ControlFlow::Continue(()),
        }
    }
}

impl ReadOnlyInspector {
    fn check_function(&self, name: &ObjectName) -> ControlFlow<GuardError> {
        let Some(last) = name.0.last() else { return ControlFlow::Continue(()) };
        let simple = last.to_string().trim_matches(['"', '`']).to_ascii_lowercase();
        if is_denied_function(self.engine, &simple) {
            return ControlFlow::Break(refuse(format!("the function {simple}()")));
        }
        ControlFlow::Continue(())
    }
}

fn check_set_expr(body: &SetExpr) -> ControlFlow<GuardError> {
    match body {
        SetExpr::Select(select) if select.into.is_some() => ControlFlow::Break(refuse("SELECT … INTO")),
        SetExpr::Insert(_) => ControlFlow::Break(refuse("a data-modifying INSERT")),
        SetExpr::Update(_) => ControlFlow::Break(refuse("a data-modifying UPDATE")),
        SetExpr::Delete(_) => ControlFlow::Break(refuse("a data-modifying DELETE")),
        SetExpr::Merge(_) => ControlFlow::Break(refuse("a data-modifying MERGE")),
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left)?;
            check_set_expr(right)
        }
        _ => ControlFlow::Continue(()),
    }
}

/// Functions with side effects or reach outside the database: file access, sleeping,
/// advisory locks, sequence and configuration changes, remote links, large objects and
/// extension loading. Matched by unqualified, lower-cased name.
fn is_denied_function(engine: Engine, name: &str) -> bool {
    const EVERYWHERE: &[&str] = &["sleep", "load_extension"];
    const SQLITE: &[&str] = &["readfile", "writefile", "edit", "fts3_tokenizer", "sqlite_compileoption_used"];
    const POSTGRES: &[&str] = &[
        "pg_sleep",
        "pg_sleep_for",
        "pg_sleep_until",
        "pg_read_file",
        "pg_read_binary_file",
        "pg_ls_dir",
        "pg_stat_file",
        "pg_file_write",
        "lo_import",
        "lo_export",
        "lo_create",
        "lo_unlink",
        "lo_from_bytea",
        "lo_put",
        "nextval",
        "setval",
        "set_config",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_switch_wal",
        "pg_create_restore_point",
        "pg_promote",
        "pg_logical_emit_message",
        "txid_current",
        "pg_current_xact_id",
        "query_to_xml",
        "query_to_xml_and_xmlschema",
        "cursor_to_xml",
        "table_to_xml",
        "database_to_xml",
        "schema_to_xml",
    ];
    const MYSQL: &[&str] = &[
        "benchmark",
        "load_file",
        "get_lock",
        "release_lock",
        "release_all_locks",
        "is_free_lock",
        "is_used_lock",
        "master_pos_wait",
        "source_pos_wait",
        "sys_exec",
        "sys_eval",
    ];
    let prefixed = |prefixes: &[&str]| prefixes.iter().any(|p| name.starts_with(p));
    EVERYWHERE.contains(&name)
        || match engine {
            Engine::Sqlite => SQLITE.contains(&name),
            Engine::Postgres => {
                POSTGRES.contains(&name) || prefixed(&["dblink", "pg_advisory", "pg_try_advisory", "lo_"])
            }
            Engine::Mysql => MYSQL.contains(&name),
        }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn admitted(sql: &str, engine: Engine) -> bool {
        check(sql, engine).is_ok()
    }

    fn refused_as_read_only_violation(sql: &str, engine: Engine) -> bool {
        matches!(check(sql, engine), Err(GuardError::NotReadOnly { .. }))
    }

    #[test]
    fn plain_queries_are_admitted_on_every_engine() {
        for engine in [Engine::Sqlite, Engine::Postgres, Engine::Mysql] {
            for sql in [
                "SELECT 1",
                "select count(*) from orders where total > 10",
                "WITH t AS (SELECT 1 AS x) SELECT x FROM t",
                "SELECT a FROM t1 UNION ALL SELECT b FROM t2 ORDER BY 1 LIMIT 5",
                "SELECT * FROM (SELECT 1) AS sub -- trailing comment",
            ] {
                assert!(admitted(sql, engine), "{engine:?}: {sql}");
            }
        }
    }

    #[test]
    fn writes_and_session_changes_are_refused() {
        for engine in [Engine::Sqlite, Engine::Postgres, Engine::Mysql] {
            for sql in [
                "DELETE FROM orders",
                "UPDATE orders SET total = 0",
                "INSERT INTO orders VALUES (1)",
                "DROP TABLE orders",
                "CREATE TABLE x (a int)",
                "SELECT 1; DELETE FROM orders",
                "SELECT 1; SELECT 2",
                "BEGIN",
                "COMMIT",
            ] {
                assert!(refused_as_read_only_violation(sql, engine), "{engine:?}: {sql}");
            }
        }
    }

    #[test]
    fn hidden_writes_inside_a_query_are_refused() {
        assert!(refused_as_read_only_violation(
            "WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone",
            Engine::Postgres
        ));
        assert!(refused_as_read_only_violation("SELECT * INTO backup FROM orders", Engine::Postgres));
        assert!(refused_as_read_only_violation("SELECT * FROM orders FOR UPDATE", Engine::Postgres));
        assert!(refused_as_read_only_violation("SELECT pg_sleep(100)", Engine::Postgres));
        assert!(refused_as_read_only_violation("SELECT nextval('s')", Engine::Postgres));
        assert!(refused_as_read_only_violation("SELECT * FROM dblink('x', 'y') AS t(a int)", Engine::Postgres));
        assert!(refused_as_read_only_violation("SELECT load_extension('x')", Engine::Sqlite));
        assert!(refused_as_read_only_violation("SELECT BENCHMARK(1000000, MD5('a'))", Engine::Mysql));
        assert!(refused_as_read_only_violation("SELECT 1 /*!50000 , SLEEP(10) */", Engine::Mysql));
    }

    #[test]
    fn engine_specific_statements_are_refused() {
        assert!(refused_as_read_only_violation("PRAGMA writable_schema = 1", Engine::Sqlite));
        assert!(refused_as_read_only_violation("ATTACH DATABASE 'x.db' AS x", Engine::Sqlite));
        assert!(refused_as_read_only_violation("EXPLAIN ANALYZE DELETE FROM orders", Engine::Postgres));
        assert!(refused_as_read_only_violation("COPY orders TO '/tmp/x'", Engine::Postgres));
        assert!(refused_as_read_only_violation("SET ROLE admin", Engine::Postgres));
    }

    #[test]
    fn unparseable_sql_is_a_syntax_error_not_a_violation() {
        assert!(matches!(
            check("SELEKT 1", Engine::Sqlite),
            Err(GuardError::NotReadOnly { .. } | GuardError::Syntax(_))
        ));
        assert!(matches!(check("SELECT FROM WHERE (", Engine::Sqlite), Err(GuardError::Syntax(_))));
        assert!(matches!(check("", Engine::Sqlite), Err(GuardError::Syntax(_))));
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let sql = format!("SELECT {}1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(check(&sql, Engine::Postgres).is_err());
    }

    #[test]
    fn refusals_carry_the_stable_error_code() {
        let err: ApiError = check("DELETE FROM t", Engine::Sqlite).unwrap_err().into();
        assert_eq!(err.code, ErrorCode::ReadOnlyViolation);
    }
}
