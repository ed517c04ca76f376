//! Scores the question→SQL compiler by execution accuracy, the standard way (Spider, Yu et
//! al. 2018): run the gold and the predicted SQL on the same database and compare results as
//! multisets of rows, in any column order, floats rounded to 2 decimals, row order only when
//! the gold query has ORDER BY. A clarification counts as declined, not wrong.
//!
//! Usage: compiler-score [--shared DIR] [--verbose]
//!   Question sets: domain/tests/questions/demo.jsonl over the demo database, and
//!   DIR/datasets/spider-questions.jsonl over the Spider/Chinook databases in DIR/datasets
//!   (DIR defaults to $VIZKRAFT_SHARED or ../shared).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use vizkraft_domain::api::query::Cell;
use vizkraft_domain::semantic::{compile, CompileOutcome, SchemaModel};

#[derive(Deserialize)]
struct Question {
    id: String,
    #[serde(default)]
    db: Option<String>,
    question: String,
    gold_sql: String,
}

#[derive(Default)]
struct Score {
    correct: usize,
    wrong: usize,
    declined: usize,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = match args.iter().position(|a| a == "--shared") {
        Some(i) => PathBuf::from(args.get(i + 1).context("--shared needs a directory")?),
        None => std::env::var_os("VIZKRAFT_SHARED").map(PathBuf::from).unwrap_or_else(|| root.join("../shared")),
    };
    let work = root.join("target/compiler-score");
    std::fs::create_dir_all(&work)?;

    let demo_db = work.join(format!("demo-{:016x}.sqlite", vizkraft_relay::demo::generator_fingerprint()));
    vizkraft_relay::demo::ensure(&demo_db).await?;
    let mut databases = BTreeMap::new();
    databases.insert("demo".to_owned(), demo_db);

    let mut sets =
        vec![("demo (ours)", read_questions(&root.join("domain/tests/questions/demo.jsonl"), Some("demo"))?)];
    let spider = shared.join("datasets/spider-questions.jsonl");
    if spider.exists() {
        for name in ["chinook", "world_1", "car_1"] {
            databases.insert(name.to_owned(), materialise(&shared.join("datasets"), name, &work).await?);
        }
        sets.push(("spider (public)", read_questions(&spider, None)?));
    } else {
        eprintln!("note: {} not found; scoring the demo set only", spider.display());
    }

    println!("| question set | questions | correct | wrong | declined |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (name, questions) in sets {
        let mut score = Score::default();
        let mut by_db: BTreeMap<String, (SqlitePool, SchemaModel)> = BTreeMap::new();
        for q in &questions {
            let db = q.db.clone().unwrap_or_else(|| "demo".into());
            if !by_db.contains_key(&db) {
                let path = databases.get(&db).with_context(|| format!("{}: unknown database {db}", q.id))?;
                let pool = vizkraft_relay::sources::open_read_only(path).await?;
                let model = vizkraft_relay::schema::index_sqlite(&pool).await?;
                by_db.insert(db.clone(), (pool, model));
            }
            let Some((pool, model)) = by_db.get(&db) else { bail!("database {db} did not open") };
            let verdict = match compile(&q.question, model) {
                CompileOutcome::Clarify(c) => {
                    score.declined += 1;
                    format!("declined: {}", c.message)
                }
                CompileOutcome::Answer(answer) => match same_result(pool, &q.gold_sql, &answer.sql).await {
                    Ok(true) => {
                        score.correct += 1;
                        "correct".to_owned()
                    }
                    Ok(false) => {
                        score.wrong += 1;
                        format!("WRONG: {}", answer.sql)
                    }
                    Err(e) => {
                        score.wrong += 1;
                        format!("WRONG (does not run: {e}): {}", answer.sql)
                    }
                },
            };
            if verbose {
                eprintln!("{:<16} {:<60} {verdict}", q.id, q.question);
            }
        }
        let total = questions.len();
        println!("| {name} | {total} | {} | {} | {} |", score.correct, score.wrong, score.declined);
    }
    Ok(())
}

fn read_questions(path: &Path, db: Option<&str>) -> anyhow::Result<Vec<Question>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut q: Question =
                serde_json::from_str(l).with_context(|| format!("bad line in {}: {l}", path.display()))?;
            if q.db.is_none() {
                q.db = db.map(str::to_owned);
            }
            Ok(q)
        })
        .collect()
}

/// Builds `<name>.sqlite` from the dataset's SQL script once.
async fn materialise(datasets: &Path, name: &str, work: &Path) -> anyhow::Result<PathBuf> {
    let target = work.join(format!("{name}.sqlite"));
    if target.exists() {
        return Ok(target);
    }
    let script_dir = datasets.join(name);
    let script = std::fs::read_dir(&script_dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "sql"))
        .with_context(|| format!("no .sql script in {}", script_dir.display()))?;
    let partial = target.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    let mut conn =
        SqliteConnection::connect_with(&SqliteConnectOptions::new().filename(&partial).create_if_missing(true)).await?;
    sqlx::raw_sql(&std::fs::read_to_string(&script)?).execute(&mut conn).await?;
    conn.close().await?;
    std::fs::rename(&partial, &target)?;
    Ok(target)
}

async fn same_result(pool: &SqlitePool, gold: &str, predicted: &str) -> anyhow::Result<bool> {
    let gold_rows = rows(pool, gold).await.context("gold SQL failed")?;
    let predicted_rows = rows(pool, predicted).await?;
    let ordered = gold.to_ascii_lowercase().contains("order by");
    Ok(if ordered { gold_rows == predicted_rows } else { sorted(gold_rows) == sorted(predicted_rows) })
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
