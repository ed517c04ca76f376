//! The demo database: the same rows on every machine, with consistent keys.

// Test code throughout: a panic is a failed test with its location.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[tokio::test]
async fn the_demo_database_is_the_same_everywhere_and_its_keys_hold() {
    let demo = vizkraft_relay::demo::cached_in(Path::new(env!("CARGO_TARGET_TMPDIR"))).await.unwrap();
    let pool = vizkraft_relay::sources::open_read_only(&demo).await.unwrap();
    let count = |table: &str| {
        let pool = pool.clone();
        let sql = format!("SELECT count(*) FROM {table}");
        async move { sqlx::query_scalar::<_, i64>(&sql).fetch_one(&pool).await.unwrap() }
    };
    // Fixed seed, fixed rows: these numbers change only when the generator does.
    assert_eq!(count("regions").await, 4);
    assert_eq!(count("customers").await, 5_000);
    assert_eq!(count("products").await, 72);
    assert_eq!(count("orders").await, 288_303);
    assert_eq!(count("order_lines").await, 1_028_937);

    let violations: Vec<(String,)> =
        sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(&pool).await.unwrap();
    assert!(violations.is_empty(), "{} rows break a foreign key", violations.len());

    // Order totals are the sum of their lines, to the cent.
    let mismatched: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orders o
         WHERE abs(o.total_amount - (SELECT sum(line_total) FROM order_lines l WHERE l.order_id = o.id)) > 0.011",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(mismatched, 0);
    // Four years of orders, growing year on year.
    let yearly: Vec<(String, f64)> =
        sqlx::query_as("SELECT strftime('%Y', order_date), sum(total_amount) FROM orders GROUP BY 1 ORDER BY 1")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(yearly.iter().map(|(y, _)| y.as_str()).collect::<Vec<_>>(), ["2022", "2023", "2024", "2025"]);
    assert!(yearly.windows(2).all(|w| w[1].1 > w[0].1));
}
