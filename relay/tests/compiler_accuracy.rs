//! The compiler's answers on our own question set, judged by running them on the real demo
//! database: it may decline, but it must never return a wrong result.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use vizkraft_relay::accuracy::{judge, read_questions, Verdict};

#[tokio::test]
async fn the_compiler_never_answers_a_demo_question_wrongly_and_answers_most() {
    let demo = vizkraft_relay::demo::cached_in(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let pool = vizkraft_relay::sources::open_read_only(&demo).await.unwrap();
    let model = vizkraft_relay::schema::index_sqlite(&pool).await.unwrap();
    let questions_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../domain/tests/questions/demo.jsonl");
    let questions = read_questions(&questions_file, Some("demo")).unwrap();
    assert!(questions.len() >= 60);

    let mut wrong = Vec::new();
    let mut correct = 0;
    for q in &questions {
        match judge(&pool, &model, q).await.unwrap() {
            Verdict::Correct => correct += 1,
            Verdict::Wrong(sql) => wrong.push(format!("{}: {} → {sql}", q.id, q.question)),
            Verdict::Declined(_) => {}
        }
    }
    assert!(wrong.is_empty(), "wrong answers:\n{}", wrong.join("\n"));
    // A floor against regressions; docs/benchmarks.md has the current figure.
    assert!(correct * 4 >= questions.len() * 3, "only {correct} of {} correct", questions.len());
}
