//! Scores the question→SQL compiler by execution accuracy (rules in `vizkraft_relay::accuracy`).
//!
//! Usage: compiler-score [--shared DIR] [--verbose]
//!   Question sets: domain/tests/questions/demo.jsonl over the demo database, and
//!   DIR/datasets/spider-questions.jsonl over the Spider/Chinook databases in DIR/datasets
//!   (DIR defaults to $VIZKRAFT_SHARED or ../shared). Prints a markdown table; --verbose adds
//!   each question's verdict on stderr.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context};
use sqlx::SqlitePool;
use vizkraft_domain::semantic::SchemaModel;
use vizkraft_relay::accuracy::{judge, materialise, read_questions, Verdict};

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

    let demo_db = vizkraft_relay::demo::cached_in(&work).await?;
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
            let verdict = match judge(pool, model, q).await? {
                Verdict::Correct => {
                    score.correct += 1;
                    "correct".to_owned()
                }
                Verdict::Wrong(sql) => {
                    score.wrong += 1;
                    format!("WRONG: {sql}")
                }
                Verdict::Declined(message) => {
                    score.declined += 1;
                    format!("declined: {message}")
                }
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
