//! Execution accuracy of the question→SQL compiler, the standard way (Spider, Yu et al. 2018):
//! run the gold and the predicted SQL on the same database and compare results as multisets of
//! rows, in any column order, floats rounded to 2 decimals, row order only when the gold query
//! has ORDER BY. A clarification is "declined", never correct. Used by the `compiler-score`
//! command and by the regression tests.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use vizkraft_domain::api::query::Cell;
use vizkraft_domain::semantic::{compile, CompileOutcome, SchemaModel};

#[derive(Debug, Deserialize)]
pub struct Question {
    pub id: String,
    #[serde(default)]
    pub db: Option<String>,
    pub question: String,
    pub gold_sql: String,
}

#[derive(Debug, PartialEq)]
pub enum Verdict {
    Correct,
    /// The predicted SQL, which gave other rows or did not run.
    Wrong(String),
    /// The clarification's message.
    Declined(String),
}

/// Compiles `question` against `model` and judges the answer on `pool`.
pub async fn judge(pool: &SqlitePool, model: &SchemaModel, question: &Question) -> anyhow::Result<Verdict> {
    Ok(match compile(&question.question, model) {
        CompileOutcome::Clarify(c) => Verdict::Declined(c.message),
        CompileOutcome::Answer(answer) => match same_result(pool, &question.gold_sql, &answer.sql).await? {
            Some(true) => Verdict::Correct,
            Some(false) => Verdict::Wrong(answer.sql),
            None => Verdict::Wrong(format!("(does not run) {}", answer.sql)),
        },
    })
}

/// Reads a JSON-lines question file; questions without a `db` get `default_db`.
pub fn read_questions(path: &Path, default_db: Option<&str>) -> anyhow::Result<Vec<Question>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut q: Question =
                serde_json::from_str(l).with_context(|| format!("bad line in {}: {l}", path.display()))?;
            if q.db.is_none() {
                q.db = default_db.map(str::to_owned);
            }
            Ok(q)
        })
        .collect()
}

/// Builds `<name>.sqlite` from the dataset's SQL script once.
pub async fn materialise(datasets: &Path, name: &str, work: &Path) -> anyhow::Result<PathBuf> {
    let target = work.join(format!("{name}.sqlite"));
    if target.exists() {
        return Ok(target);
    }
    let script_dir = datasets.join(name);
    // Northwind comes as `create.sql` then `update.sql`; the others as one script.
    let mut scripts: Vec<PathBuf> = std::fs::read_dir(&script_dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    scripts.sort_by_key(|p| (p.file_stem().is_none_or(|s| s != "create"), p.clone()));
    anyhow::ensure!(!scripts.is_empty(), "no .sql script in {}", script_dir.display());
    let partial = work.join(format!("{name}.partial"));
    let _ = std::fs::remove_file(&partial);
    let mut conn =
        SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&partial).create_if_missing(true)).await?;
    for script in &scripts {
        sqlx::raw_sql(&std::fs::read_to_string(script)?).execute(&mut conn).await?;
    }
    conn.close().await?;
    std::fs::rename(&partial, &target)?;
    Ok(target)
}

/// `None` when the predicted SQL does not run; an error when the gold SQL does not.
async fn same_result(pool: &SqlitePool, gold: &str, predicted: &str) -> anyhow::Result<Option<bool>> {
    let gold_rows = rows(pool, gold).await.with_context(|| format!("gold SQL failed: {gold}"))?;
    let Ok(predicted_rows) = rows(pool, predicted).await else { return Ok(None) };
    let ordered = gold.to_ascii_lowercase().contains("order by");
    Ok(Some(if ordered { gold_rows == predicted_rows } else { sorted(gold_rows) == sorted(predicted_rows) }))
}

/// Each row as its values in a canonical column order, so column order does not matter.
async fn rows(pool: &SqlitePool, sql: &str) -> anyhow::Result<Vec<Vec<String>>> {
    use futures::TryStreamExt;
    use sqlx::{Row, TypeInfo, ValueRef};
    let mut out = Vec::new();
    let mut stream = sqlx::query(sql).fetch(pool);
    while let Some(row) = stream.try_next().await? {
        let mut values = Vec::with_capacity(row.len());
        for i in 0..row.len() {
            let raw = row.try_get_raw(i)?;
            let cell = if raw.is_null() {
                Cell::Null
            } else {
                match raw.type_info().name() {
                    "INTEGER" => Cell::Int(row.try_get(i)?),
                    "REAL" => Cell::Float(row.try_get(i)?),
                    _ => Cell::Text(row.try_get::<String, _>(i).unwrap_or_default()),
                }
            };
            values.push(match cell {
                Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                Cell::Float(f) => format!("{f:.2}"),
                other => other.to_string(),
            });
        }
        values.sort();
        out.push(values);
    }
    Ok(out)
}

fn sorted(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    rows.sort();
    rows
}
