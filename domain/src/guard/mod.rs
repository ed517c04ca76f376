//! The first of the two read-only barriers: admit exactly one read-only query, or say which
//! part is not. The second barrier is the read-only database session the relay runs it in.

use std::ops::ControlFlow;

use sqlparser::ast::{AccessExpr, Expr, ObjectName, Query, SetExpr, Statement, TableFactor, Visit, Visitor};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

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

/// Stack for checking one statement. Inspecting the syntax tree recurses once per level, a
/// debug build spends kilobytes a level, and a chain of `MAX_OPERATORS` operators is that
/// many levels deep: more than a 2 MiB Tokio worker stack holds. Reserved, not committed,
/// until used.
const GUARD_STACK_BYTES: usize = 64 << 20;

/// Admits `sql` only if it is exactly one query statement that cannot write, lock or reach
/// outside the database in `engine`'s dialect.
pub fn check(sql: &str, engine: Engine) -> Result<(), GuardError> {
    // The browser has no threads to spare, and checks only the SQL it compiled itself.
    if cfg!(target_arch = "wasm32") {
        return check_on_this_stack(sql, engine);
    }
    std::thread::scope(|scope| {
        let checker = std::thread::Builder::new()
            .name("sql-guard".into())
            .stack_size(GUARD_STACK_BYTES)
            .spawn_scoped(scope, || check_on_this_stack(sql, engine))
            .map_err(|_| refuse("a statement that cannot be checked right now (no thread for the guard)"))?;
        // A panic in the parser refuses the statement instead of taking the caller down.
        checker.join().unwrap_or_else(|_| Err(GuardError::Syntax("the parser failed on this SQL".into())))
    })
}

fn check_on_this_stack(sql: &str, engine: Engine) -> Result<(), GuardError> {
    let dialect = dialect(engine);
    reject_nul(sql)?;
    let tokens = Tokenizer::new(dialect.as_ref(), sql)
        .tokenize_with_location()
        .map_err(|e| GuardError::Syntax(e.to_string()))?;
    match engine {
        Engine::Mysql => reject_mysql_lexer_differences(sql, &tokens)?,
        Engine::Postgres => reject_postgres_lexer_differences(sql, &tokens)?,
        Engine::Sqlite => {}
    }
    reject_long_operator_chains(&tokens)?;
    let statements =
        Parser::new(dialect.as_ref()).with_tokens_with_locations(tokens).parse_statements().map_err(|e| match e {
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

/// SQLite stops reading SQL text at the first NUL character
/// (https://www.sqlite.org/c3ref/prepare.html), so the database would run a different text
/// from the one checked here; and sqlx-sqlite then loops for ever over a tail that SQLite
/// reads as empty. No engine takes a NUL in SQL text, so refuse it.
fn reject_nul(sql: &str) -> Result<(), GuardError> {
    if sql.contains('\0') {
        return Err(GuardError::Syntax("the SQL contains a NUL character".into()));
    }
    Ok(())
}

/// Most operators (binary, postfix and set operators) one statement may use.
///
/// sqlparser counts the depth of parentheses and prefix operators but builds a chain such
/// as `1+1+…`, `a OR b OR …` or `… UNION SELECT …` as a left-deep tree without a limit;
/// visiting or dropping a tree some thousands deep overflows the stack and aborts the relay.
/// The longest chain cannot have more links than the statement has operators. SQLite
/// refuses expressions deeper than 1000 and compound SELECTs of more than 500 parts anyway
/// (SQLITE_MAX_EXPR_DEPTH, SQLITE_MAX_COMPOUND_SELECT: https://www.sqlite.org/limits.html).
const MAX_OPERATORS: usize = 1_000;

fn reject_long_operator_chains(tokens: &[TokenWithSpan]) -> Result<(), GuardError> {
    let operators = tokens.iter().filter(|t| is_chaining_operator(&t.token)).count();
    if operators > MAX_OPERATORS {
        return Err(refuse(format!("{operators} operators (at most {MAX_OPERATORS} are allowed)")));
    }
    Ok(())
}

/// Tokens that can join two terms into one expression or query: every symbol except the
/// punctuation that separates or groups, and the keywords that act as operators.
fn is_chaining_operator(token: &Token) -> bool {
    match token {
        Token::Word(word) => {
            word.quote_style.is_none()
                && [
                    "AND",
                    "OR",
                    "XOR",
                    "NOT",
                    "IS",
                    "ISNULL",
                    "NOTNULL",
                    "IN",
                    "BETWEEN",
                    "LIKE",
                    "ILIKE",
                    "GLOB",
                    "MATCH",
                    "REGEXP",
                    "RLIKE",
                    "SIMILAR",
                    "ESCAPE",
                    "COLLATE",
                    "DIV",
                    "UNION",
                    "INTERSECT",
                    "EXCEPT",
                    "MINUS",
                ]
                .iter()
                .any(|k| word.value.eq_ignore_ascii_case(k))
        }
        Token::EOF
        | Token::Number(..)
        | Token::Char(_)
        | Token::Comma
        | Token::Whitespace(_)
        | Token::LParen
        | Token::RParen
        | Token::SemiColon
        | Token::Period
        | Token::Placeholder(_)
        | Token::SingleQuotedString(_)
        | Token::DoubleQuotedString(_)
        | Token::TripleSingleQuotedString(_)
        | Token::TripleDoubleQuotedString(_)
        | Token::DollarQuotedString(_)
        | Token::SingleQuotedByteStringLiteral(_)
        | Token::DoubleQuotedByteStringLiteral(_)
        | Token::TripleSingleQuotedByteStringLiteral(_)
        | Token::TripleDoubleQuotedByteStringLiteral(_)
        | Token::SingleQuotedRawStringLiteral(_)
        | Token::DoubleQuotedRawStringLiteral(_)
        | Token::TripleSingleQuotedRawStringLiteral(_)
        | Token::TripleDoubleQuotedRawStringLiteral(_)
        | Token::NationalStringLiteral(_)
        | Token::EscapedStringLiteral(_)
        | Token::UnicodeStringLiteral(_)
        | Token::HexStringLiteral(_) => false,
        _ => true,
    }
}

/// Where MySQL/MariaDB read SQL text differently from sqlparser, the server would run what the
/// guard never saw. Refused outright rather than parsed:
/// - comments the server executes: MySQL's `/*! … */`, MariaDB's `/*M! … */`
///   (https://mariadb.com/kb/en/comment-syntax/), and optimizer hints `/*+ … */`, which can
///   raise `MAX_EXECUTION_TIME` or set session variables for the statement;
/// - `--` followed by a tab or another control character: a comment to the server, two minus
///   signs to sqlparser, which wants a space;
/// - `:=`, which assigns a user variable that outlives the query on a pooled session;
/// - byte and raw string literals other than `b'0101'`;
/// - `@` right before `--`, `#` or `/*`: sqlparser reads a variable named `@-`, `@#` or `@/`,
///   MySQL a bare `@` and then a comment.
fn reject_mysql_lexer_differences(sql: &str, tokens: &[TokenWithSpan]) -> Result<(), GuardError> {
    for token in tokens {
        match &token.token {
            Token::Whitespace(Whitespace::MultiLineComment(body))
                if body.starts_with('+') || body.trim_start_matches(['M', 'm']).starts_with('!') =>
            {
                return Err(refuse("a MySQL executable comment or optimizer hint (/*! … */, /*M! … */, /*+ … */)"));
            }
            Token::Assignment => return Err(refuse("a user variable assignment (:=)")),
            Token::Word(word)
                if word.quote_style.is_none()
                    && word.value.trim_start_matches('@').len() < word.value.len()
                    && word.value.trim_start_matches('@').starts_with(['-', '#', '/']) =>
            {
                return Err(refuse("`@` right before a comment marker (--, # or /*)"));
            }
            // MySQL reads `b"…"` as a column `b` and a string with backslash escapes; sqlparser
            // as a byte string without. Only `b'0101'` means the same to both.
            Token::SingleQuotedByteStringLiteral(bits) if bits.chars().all(|c| c == '0' || c == '1') => {}
            Token::SingleQuotedByteStringLiteral(_)
            | Token::DoubleQuotedByteStringLiteral(_)
            | Token::TripleSingleQuotedByteStringLiteral(_)
            | Token::TripleDoubleQuotedByteStringLiteral(_)
            | Token::SingleQuotedRawStringLiteral(_)
            | Token::DoubleQuotedRawStringLiteral(_)
            | Token::TripleSingleQuotedRawStringLiteral(_)
            | Token::TripleDoubleQuotedRawStringLiteral(_) => {
                return Err(refuse("a byte or raw string literal MySQL reads differently (only b'0101' is allowed)"))
            }
            _ => {}
        }
    }
    let bytes = sql.as_bytes();
    let hidden_comment = bytes.windows(3).any(|w| w[0] == b'-' && w[1] == b'-' && (w[2] < b' ' || w[2] == 0x7f));
    if hidden_comment {
        return Err(refuse("`--` followed by a tab or control character (a comment to MySQL, not to the guard)"));
    }
    Ok(())
}

/// PostgreSQL takes any non-ASCII character in a dollar-quote tag (`$€$ … $€$`); sqlparser
/// only letters and digits, and reads such a tag as a `$` placeholder followed by code, so the
/// server would run what the guard took for a string, and the other way round. The relay binds
/// no parameters, so a `$` placeholder is never legitimate: refuse them all.
///
/// Likewise `U&"…"` identifiers: PostgreSQL decodes their escapes (`U&"set\0073eed"` is
/// `setseed`), sqlparser reads a word, `&` and a literal name, so a function could hide.
fn reject_postgres_lexer_differences(sql: &str, tokens: &[TokenWithSpan]) -> Result<(), GuardError> {
    reject_hidden_comment_markers(sql, tokens)?;
    // PostgreSQL joins string constants separated by a newline into one, keeping the first
    // one's escaping (`E'a'` ⏎ `'\'…`); sqlparser reads two strings, or a string and an alias.
    let literals: Vec<bool> = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .map(|t| is_quoted_literal(&t.token))
        .collect();
    if literals.windows(2).any(|w| w[0] && w[1]) {
        return Err(refuse("string constants continued on the next line"));
    }
    if tokens.iter().any(|t| matches!(&t.token, Token::Placeholder(p) if p.starts_with('$'))) {
        return Err(refuse(
            "a `$` parameter or a dollar-quote tag the guard cannot read ($tag$ with other than letters and digits)",
        ));
    }
    // PostgreSQL never lets an operator contain `--` or `/*`, nor (mostly) end in `+` or `-`
    // (https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-OPERATORS): it
    // reads `<--` as `<` and a comment. sqlparser reads one operator, and takes the comment's
    // text for code, so what follows could hide from the guard.
    let split_by_server = tokens.iter().any(|t| match &t.token {
        Token::CustomBinaryOperator(op) => {
            let ends_in_sign = op.len() > 1
                && op.ends_with(['+', '-'])
                && !op.contains(['~', '!', '@', '#', '%', '^', '&', '|', '`', '?']);
            op.contains("--") || op.contains("/*") || ends_in_sign
        }
        _ => false,
    });
    if split_by_server {
        return Err(refuse("an operator PostgreSQL reads differently (one containing `--` or `/*`)"));
    }
    let significant: Vec<&Token> =
        tokens.iter().map(|t| &t.token).filter(|t| !matches!(t, Token::Whitespace(_))).collect();
    let unicode_identifier = significant.windows(3).any(|w| {
        matches!(w[0], Token::Word(u) if u.quote_style.is_none() && u.value.eq_ignore_ascii_case("u"))
            && matches!(w[1], Token::Ampersand)
            && matches!(w[2], Token::Word(id) if id.quote_style == Some('"'))
    });
    if unicode_identifier {
        return Err(refuse("a Unicode-escaped identifier (U&\"…\")"));
    }
    Ok(())
}

fn is_quoted_literal(token: &Token) -> bool {
    matches!(
        token,
        Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::EscapedStringLiteral(_)
            | Token::DollarQuotedString(_)
            | Token::NationalStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
            | Token::SingleQuotedByteStringLiteral(_)
    )
}

/// Every `--` and `/*` in the text must be where sqlparser, too, sees a comment or the inside of
/// a quoted literal or identifier. Anywhere else (glued to an operator, straddling two tokens, or
/// a character the tokenizer skipped) PostgreSQL starts a comment that sqlparser does not, and
/// the rest of the line could hide from the guard.
fn reject_hidden_comment_markers(sql: &str, tokens: &[TokenWithSpan]) -> Result<(), GuardError> {
    let line_starts: Vec<usize> = std::iter::once(0).chain(sql.match_indices('\n').map(|(i, _)| i + 1)).collect();
    // A location (1-based line and character column) as a byte offset into `sql`.
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *line_starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let column = usize::try_from(column).ok()?.checked_sub(1)?;
        Some(sql[start..].char_indices().nth(column).map_or(sql.len(), |(i, _)| start + i))
    };
    let mut covered: Vec<(usize, usize)> = Vec::new();
    for t in tokens {
        let hides_markers = is_quoted_literal(&t.token)
            || matches!(&t.token, Token::Word(w) if w.quote_style.is_some())
            || matches!(
                &t.token,
                Token::Whitespace(Whitespace::SingleLineComment { .. } | Whitespace::MultiLineComment(_))
            );
        if !hides_markers {
            continue;
        }
        let span = (offset(t.span.start.line, t.span.start.column), offset(t.span.end.line, t.span.end.column));
        let (Some(start), Some(end)) = span else {
            return Err(refuse("SQL the guard cannot locate token by token"));
        };
        covered.push((start, end));
    }
    for (marker, _) in sql.match_indices("--").chain(sql.match_indices("/*")) {
        if !covered.iter().any(|&(start, end)| start <= marker && marker + 2 <= end) {
            return Err(refuse("`--` or `/*` where PostgreSQL starts a comment and the guard does not"));
        }
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
        match expr {
            Expr::Function(function) => self.check_function(&function.name),
            // PostgreSQL's functional notation: `(x).f` and `alias.f` call `f(x)`
            // (https://www.postgresql.org/docs/15/xfunc-sql.html#XFUNC-SQL-COMPOSITE-FUNCTIONS),
            // so a field name may be a function in disguise.
            Expr::CompoundFieldAccess { access_chain, .. } if self.engine == Engine::Postgres => {
                for access in access_chain {
                    if let AccessExpr::Dot(Expr::Identifier(field)) = access {
                        self.check_name(&field.value)?;
                    }
                }
                ControlFlow::Continue(())
            }
            Expr::CompoundIdentifier(parts) if self.engine == Engine::Postgres => match parts.last() {
                Some(field) => self.check_name(&field.value),
                None => ControlFlow::Continue(()),
            },
            _ => ControlFlow::Continue(()),
        }
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
        // The unquoted name: SQLite also quotes identifiers as `[name]`
        // (https://www.sqlite.org/lang_keywords.html), which `to_string` would keep.
        let simple = match last.as_ident() {
            Some(ident) => ident.value.to_ascii_lowercase(),
            None => last.to_string().trim_matches(['"', '`', '[', ']']).to_ascii_lowercase(),
        };
        self.check_name(&simple)
    }

    fn check_name(&self, name: &str) -> ControlFlow<GuardError> {
        let name = name.to_ascii_lowercase();
        if is_denied_function(self.engine, &name) {
            return ControlFlow::Break(refuse(format!("the function {name}()")));
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
    const SQLITE: &[&str] = &[
        "readfile",
        "writefile",
        "edit",
        "fts3_tokenizer",
        "sqlite_compileoption_used",
        // Tells the same as sqlite_compileoption_used, one option at a time.
        "sqlite_compileoption_get",
    ];
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
        // These run a query given as text, which the guard never sees.
        "query_to_xml",
        "query_to_xmlschema",
        "query_to_xml_and_xmlschema",
        "cursor_to_xml",
        "cursor_to_xmlschema",
        "ts_stat",
        "ts_rewrite",
        "pg_notify",
        // Session state a rollback keeps, readable by the next query on a pooled session.
        "setseed",
        // Server-wide effects outside any transaction (superuser or REPLICATION logins are
        // refused as sources, these stay denied regardless).
        "pg_backup_start",
        "pg_backup_stop",
        "pg_start_backup",
        "pg_stop_backup",
        "pg_current_logfile",
        "pg_log_backend_memory_contexts",
        // Index maintenance that a rollback does not undo.
        "brin_summarize_new_values",
        "brin_summarize_range",
        "brin_desummarize_range",
        "gin_clean_pending_list",
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
        // Session state a rollback keeps (`LAST_INSERT_ID(x)` sets it), readable later.
        "last_insert_id",
        "master_gtid_wait",
        "wsrep_sync_wait_upto_gtid",
        "wait_for_executed_gtid_set",
        "wait_until_sql_thread_after_gtids",
        "service_get_read_locks",
        "service_get_write_locks",
        "service_release_locks",
    ];
    let prefixed = |prefixes: &[&str]| prefixes.iter().any(|p| name.starts_with(p));
    EVERYWHERE.contains(&name)
        || match engine {
            Engine::Sqlite => SQLITE.contains(&name),
            Engine::Postgres => {
                POSTGRES.contains(&name)
                    || prefixed(&[
                        "dblink",
                        "pg_advisory",
                        "pg_try_advisory",
                        "lo_",
                        "pg_ls_",
                        "pg_stat_reset",
                        "pg_create_",
                        "pg_drop_replication",
                        "pg_copy_",
                        "pg_replication_",
                    ])
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
        // MariaDB's own executable comments, optimizer hints, and `--` + tab, which the server
        // reads as a comment and sqlparser as two minus signs.
        for sql in [
            "SELECT 1 /*M! INTO OUTFILE '/tmp/x' */",
            "SELECT 1 /*m!100000 , SLEEP(10) */",
            "SELECT /*+ MAX_EXECUTION_TIME(100000000) */ 1",
            "SELECT 1 --\t'\n, GET_LOCK('x', 0) -- '",
            "SELECT 1 --\x0b'\n, SLEEP(5) -- '",
            "SELECT @a := 5",
            r#"SELECT b"\" AS x, " , GET_LOCK('x', 0) AS l FROM (SELECT 1 AS b) t # ""#,
            r#"SELECT b'\' , 1 #'"#,
            // `@` before a comment marker: a variable `@-` to sqlparser, `@` and a comment to MySQL.
            "SELECT @-- '\n, SLEEP(5) -- '",
            "SELECT @# '\n, SLEEP(5) #'",
            "SELECT @@/* '*/, SLEEP(5) -- '",
        ] {
            assert!(refused_as_read_only_violation(sql, Engine::Mysql), "{sql:?} was admitted");
        }
        let plain_variables = "SELECT @a, @@version, '@-- x', `@#`";
        assert!(admitted(plain_variables, Engine::Mysql), "plain variables and quoted text pass");
        for sql in [
            "SELECT $€$, $$ $€$ , pg_read_file('/etc/hostname') AS x , $$ AS s -- $$",
            "SELECT $\u{a0}$, $$ $\u{a0}$ , pg_try_advisory_lock(4246) AS l , $$ AS s -- $$",
            "SELECT $1",
        ] {
            assert!(refused_as_read_only_violation(sql, Engine::Postgres), "{sql:?} was admitted");
        }
        // Functions under other names: Unicode-escaped identifiers and functional notation.
        for sql in [
            r#"SELECT U&"set\0073eed"(0.5)"#,
            r#"SELECT u & "pg_terminate\005fbackend"(1)"#,
            "SELECT (0.5::float8).setseed",
            "SELECT (123).pg_terminate_backend",
            "SELECT t.pg_terminate_backend FROM generate_series(123, 123) AS t",
            "SELECT pg_catalog.setseed(0.5)",
        ] {
            assert!(refused_as_read_only_violation(sql, Engine::Postgres), "{sql:?} was admitted");
        }
        assert_eq!(check("SELECT (t).name, t.name FROM t", Engine::Postgres), Ok(()));
        // An operator glued to `--`: a comment to PostgreSQL, part of the operator to sqlparser.
        for op in ["<", ">", "<=", ">=", "<>", "|", "||", "%", "&", "#", "@", "~", "<<", ">>", "&&", "<@"] {
            let sql = format!("SELECT 1 {op}--'\n 2 AS a, pg_sleep(1)::text AS x --'");
            assert!(refused_as_read_only_violation(&sql, Engine::Postgres), "{sql:?} was admitted");
        }
        assert_eq!(check("SELECT 1 < 2, 'a' || 'b', 3 % 2, ARRAY[1] && ARRAY[1] -- fine", Engine::Postgres), Ok(()));
        // Found by probing: E'' continued on the next line, `?--`, and `&>` swallowing a character.
        for sql in [
            "SELECT E'a'\n'\\' , ' , pg_sleep(1)::text AS m -- '",
            "SELECT e'a'\n\n'\\' , ' , setseed(0.5)::text AS m -- '",
            "SELECT '{\"a\":1}'::jsonb ?--'\n $$a$$ AS a, pg_sleep(1)::text AS x --'",
            "SELECT int4range(1,5) &>--'\n int4range(2,3) AS a, setseed(0.5)::text AS x --'",
            "SELECT 1 *?--'\n 2 AS a, pg_sleep(1)::text AS x --'",
        ] {
            assert!(refused_as_read_only_violation(sql, Engine::Postgres), "{sql:?} was admitted");
        }
        assert_eq!(
            check("SELECT 'a--b', \"x--y\", $$/*$$, 1 -- a -- comment\n /* block -- */ FROM t", Engine::Postgres),
            Ok(())
        );
        assert_eq!(check("SELECT $tag$ a;b $tag$, $$x$$", Engine::Postgres), Ok(()));
        // Ordinary comments and arithmetic still pass.
        for sql in
            ["SELECT 1 /* a comment */", "SELECT 1 -- a comment", "SELECT 2--1", "SELECT @@version", "SELECT b'0101'"]
        {
            assert_eq!(check(sql, Engine::Mysql), Ok(()), "{sql:?}");
        }
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
    fn long_operator_chains_are_refused_without_overflowing_the_stack() {
        for sql in [
            format!("SELECT 1{}", "+1".repeat(10_000)),
            format!("SELECT 1 WHERE 1{}", " OR 1".repeat(10_000)),
            format!("SELECT 'a'{}", "||'a'".repeat(10_000)),
            format!("SELECT 1{}", " UNION SELECT 1".repeat(5_000)),
            format!("SELECT 1{}", " COLLATE x".repeat(10_000)),
        ] {
            // A thread with the 2 MiB stack of a Tokio worker.
            let refused = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || refused_as_read_only_violation(&sql, Engine::Sqlite))
                .unwrap()
                .join()
                .unwrap();
            assert!(refused);
        }
    }

    #[test]
    fn the_longest_allowed_chain_fits_on_a_worker_stack() {
        for sql in [
            format!("SELECT 1{}", "+1".repeat(MAX_OPERATORS)),
            format!("SELECT 1{}", " UNION SELECT 1".repeat(MAX_OPERATORS)),
        ] {
            let admitted = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || admitted(&sql, Engine::Sqlite))
                .unwrap()
                .join()
                .unwrap();
            assert!(admitted);
        }
    }

    #[test]
    fn sql_with_a_nul_character_is_refused_because_sqlite_stops_reading_there() {
        for sql in ["SELECT 1 -- \0", "SELECT 1 /* \0 */", "SELECT 1\0; DELETE FROM t"] {
            assert!(matches!(check(sql, Engine::Sqlite), Err(GuardError::Syntax(_))), "{sql:?}");
        }
    }

    #[test]
    fn denied_functions_are_refused_however_their_name_is_quoted() {
        for sql in [
            "SELECT [load_extension]('x')",
            "SELECT \"load_extension\"('x')",
            "SELECT `load_extension`('x')",
            "SELECT LoAd_ExTeNsIoN('x')",
            "SELECT main.load_extension('x')",
            "SELECT sqlite_compileoption_get(0)",
        ] {
            assert!(refused_as_read_only_violation(sql, Engine::Sqlite), "{sql}");
        }
    }

    #[test]
    fn refusals_carry_the_stable_error_code() {
        let err: ApiError = check("DELETE FROM t", Engine::Sqlite).unwrap_err().into();
        assert_eq!(err.code, ErrorCode::ReadOnlyViolation);
    }
}
