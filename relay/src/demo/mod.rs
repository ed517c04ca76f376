//! The embedded demo database: a believable wholesale company generated from a fixed seed,
//! so every machine gets the same rows and the tests can state exact expectations.

mod calendar;
mod names;

use std::path::Path;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection};

use calendar::{Date, FIRST_ORDER_DAY, LAST_ORDER_DAY};

const SEED: u64 = 0x5EED_F00D;
const CUSTOMERS: usize = 5_000;
/// Orders on an average day at the start; with growth this yields about a million order lines.
const BASE_ORDERS_PER_DAY: f64 = 135.0;
const YEARLY_GROWTH: f64 = 0.22;
/// Rows per multi-row INSERT: large enough to amortise statement overhead, far below
/// SQLite's limit of 32,766 bound parameters.
const ROWS_PER_INSERT: usize = 200;

/// Creates the demo database at `path` unless it already exists. The file is written under a
/// temporary name and renamed at the end, so an interrupted run never leaves a half database.
pub async fn ensure(path: &Path) -> Result<bool, sqlx::Error> {
    if path.exists() {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(sqlx::Error::Io)?;
    }
    let partial = path.with_extension("partial");
    let _ = std::fs::remove_file(&partial);
    generate(&partial).await?;
    std::fs::rename(&partial, path).map_err(sqlx::Error::Io)?;
    Ok(true)
}

async fn generate(path: &Path) -> Result<(), sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Off)
        .synchronous(SqliteSynchronous::Off)
        // Keys are declared for the schema index; checking them row by row would only slow the
        // bulk load, and a test runs `PRAGMA foreign_key_check` on the result.
        .foreign_keys(false);
    let mut conn = SqliteConnection::connect_with(&options).await?;
    sqlx::raw_sql(include_str!("schema.sql")).execute(&mut conn).await?;

    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut tx = conn.begin().await?;
    let regions = insert_regions(&mut tx).await?;
    let reps = insert_employees(&mut tx, &mut rng, regions).await?;
    let customers = insert_customers(&mut tx, &mut rng, &reps).await?;
    let products = insert_products(&mut tx, &mut rng).await?;
    insert_orders(&mut tx, &mut rng, &customers, &products).await?;
    tx.commit().await?;
    sqlx::raw_sql("ANALYZE").execute(&mut conn).await?;
    conn.close().await
}

async fn insert_regions(tx: &mut SqliteConnection) -> Result<usize, sqlx::Error> {
    for (i, region) in names::REGIONS.iter().enumerate() {
        sqlx::query("INSERT INTO regions (id, name) VALUES (?, ?)")
            .bind(i as i64 + 1)
            .bind(region.name)
            .execute(&mut *tx)
            .await?;
    }
    Ok(names::REGIONS.len())
}

/// A sales rep: its id and region.
struct Rep {
    id: i64,
    region: usize,
}

async fn insert_employees(
    tx: &mut SqliteConnection,
    rng: &mut ChaCha8Rng,
    regions: usize,
) -> Result<Vec<Rep>, sqlx::Error> {
    let mut next_id = 1;
    let mut insert = async |first: &str, last: &str, title: &str, region: usize, manager: Option<i64>, hired: Date| {
        let id = next_id;
        next_id += 1;
        sqlx::query(
            "INSERT INTO employees (id, first_name, last_name, title, region_id, manager_id, hire_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(first)
        .bind(last)
        .bind(title)
        .bind(region as i64 + 1)
        .bind(manager)
        .bind(hired.to_string())
        .execute(&mut *tx)
        .await
        .map(|_| id)
    };
    let person = |rng: &mut ChaCha8Rng| (names::pick(rng, names::FIRST_NAMES), names::pick(rng, names::LAST_NAMES));

    let (first, last) = person(rng);
    let vp = insert(first, last, "VP of Sales", 0, None, Date::from_ymd(2018, 3, 1)).await?;
    let mut reps = Vec::new();
    for region in 0..regions {
        let (first, last) = person(rng);
        let hired = Date::from_days(Date::from_ymd(2018, 6, 1).days() + rng.gen_range(0..700));
        let manager = insert(first, last, "Regional Sales Manager", region, Some(vp), hired).await?;
        for _ in 0..rng.gen_range(7..12) {
            let (first, last) = person(rng);
            let hired = Date::from_days(Date::from_ymd(2019, 1, 1).days() + rng.gen_range(0..1800));
            let title = if rng.gen_bool(0.3) { "Senior Account Executive" } else { "Account Executive" };
            let id = insert(first, last, title, region, Some(manager), hired).await?;
            reps.push(Rep { id, region });
        }
    }
    Ok(reps)
}

/// A customer as the order generator needs it; sorted by sign-up so "customers who existed on
/// day d" is a prefix.
struct Customer {
    id: i64,
    signup: i64,
    rep: i64,
}

async fn insert_customers(
    tx: &mut SqliteConnection,
    rng: &mut ChaCha8Rng,
    reps: &[Rep],
) -> Result<Vec<Customer>, sqlx::Error> {
    let first_signup = Date::from_ymd(2021, 6, 1).days();
    let span = LAST_ORDER_DAY - 60 - first_signup;
    let mut signups: Vec<i64> = (0..CUSTOMERS)
        // Squaring front-loads sign-ups: most customers are long-standing, new ones keep coming.
        .map(|_| first_signup + (rng.gen::<f64>().powf(1.6) * span as f64) as i64)
        .collect();
    signups.sort_unstable();

    let mut customers = Vec::with_capacity(CUSTOMERS);
    let mut rows = Vec::with_capacity(ROWS_PER_INSERT);
    for (i, signup) in signups.into_iter().enumerate() {
        let region_index = names::weighted(rng, &names::REGIONS.map(|r| r.weight));
        let region = &names::REGIONS[region_index];
        let country = &region.countries[names::weighted_slice(rng, region.countries, |c| c.weight)];
        let city = names::pick(rng, country.cities);
        let name = names::company_name(rng);
        let segment = names::SEGMENTS[names::weighted(rng, &[0.15, 0.3, 0.45, 0.1])];
        let regional_reps: Vec<&Rep> = reps.iter().filter(|r| r.region == region_index).collect();
        let rep = regional_reps[rng.gen_range(0..regional_reps.len())].id;
        let id = i as i64 + 1;
        customers.push(Customer { id, signup, rep });
        rows.push((id, name, segment, country.name, city, region_index as i64 + 1, rep, Date::from_days(signup)));
        if rows.len() == ROWS_PER_INSERT {
            flush_customers(tx, &mut rows).await?;
        }
    }
    flush_customers(tx, &mut rows).await?;
    Ok(customers)
}

type CustomerRow = (i64, String, &'static str, &'static str, &'static str, i64, i64, Date);

async fn flush_customers(tx: &mut SqliteConnection, rows: &mut Vec<CustomerRow>) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut qb = sqlx::QueryBuilder::new(
        "INSERT INTO customers (id, name, segment, country, city, region_id, sales_rep_id, signup_date) ",
    );
    qb.push_values(rows.drain(..), |mut b, (id, name, segment, country, city, region, rep, signup)| {
        b.push_bind(id)
            .push_bind(name)
            .push_bind(segment)
            .push_bind(country)
            .push_bind(city)
            .push_bind(region)
            .push_bind(rep)
            .push_bind(signup.to_string());
    });
    qb.build().execute(&mut *tx).await.map(|_| ())
}

struct Product {
    id: i64,
    price: f64,
    /// Relative popularity; a few products sell far more than the rest.
    weight: f64,
}

async fn insert_products(tx: &mut SqliteConnection, rng: &mut ChaCha8Rng) -> Result<Vec<Product>, sqlx::Error> {
    let mut products = Vec::new();
    for category in names::CATEGORIES {
        for item in category.items {
            for tier in ["Standard", "Pro"] {
                let id = products.len() as i64 + 1;
                let base = rng.gen_range(category.price_range.0..category.price_range.1);
                let price = round2(if tier == "Pro" { base * 1.6 } else { base });
                let cost = round2(price * rng.gen_range(0.45..0.75));
                sqlx::query("INSERT INTO products (id, name, category, unit_price, unit_cost) VALUES (?, ?, ?, ?, ?)")
                    .bind(id)
                    .bind(format!("{item} {tier}"))
                    .bind(category.name)
                    .bind(price)
                    .bind(cost)
                    .execute(&mut *tx)
                    .await?;
                products.push(Product { id, price, weight: rng.gen::<f64>().powi(3) + 0.02 });
            }
        }
    }
    Ok(products)
}

async fn insert_orders(
    tx: &mut SqliteConnection,
    rng: &mut ChaCha8Rng,
    customers: &[Customer],
    products: &[Product],
) -> Result<(), sqlx::Error> {
    let product_weights: Vec<f64> = products.iter().map(|p| p.weight).collect();
    let cumulative = names::cumulative(&product_weights);
    let mut order_id = 0_i64;
    let mut line_id = 0_i64;
    let mut orders = Vec::with_capacity(ROWS_PER_INSERT);
    let mut lines = Vec::with_capacity(ROWS_PER_INSERT);
    let mut signed_up = 0;

    for day in FIRST_ORDER_DAY..=LAST_ORDER_DAY {
        let date = Date::from_days(day);
        while signed_up < customers.len() && customers[signed_up].signup <= day {
            signed_up += 1;
        }
        if signed_up == 0 {
            continue;
        }
        let years = (day - FIRST_ORDER_DAY) as f64 / 365.25;
        let expected = BASE_ORDERS_PER_DAY
            * (1.0 + YEARLY_GROWTH).powf(years)
            * calendar::seasonality(date.month())
            * calendar::weekday_factor(day);
        let count = (expected * rng.gen_range(0.8..1.2)).round() as usize;
        for _ in 0..count {
            order_id += 1;
            // u² favours long-standing customers: a few accounts place many orders.
            let customer = &customers[(rng.gen::<f64>().powi(2) * signed_up as f64) as usize];
            let mut total = 0.0;
            for _ in 0..names::line_count(rng) {
                line_id += 1;
                let product = &products[names::sample_cumulative(rng, &cumulative)];
                let quantity = names::quantity(rng);
                let discount = [0.0, 0.0, 0.0, 0.05, 0.1, 0.15, 0.25][rng.gen_range(0..7)];
                let line_total = round2(quantity as f64 * product.price * (1.0 - discount));
                total += line_total;
                lines.push((line_id, order_id, product.id, quantity, product.price, discount, line_total));
                if lines.len() == ROWS_PER_INSERT {
                    flush_lines(tx, &mut lines).await?;
                }
            }
            let age = LAST_ORDER_DAY - day;
            let status = if rng.gen_bool(0.03) {
                "cancelled"
            } else if age > 14 {
                "delivered"
            } else if age > 3 {
                "shipped"
            } else {
                "processing"
            };
            orders.push((order_id, customer.id, customer.rep, date, status, round2(total)));
            if orders.len() == ROWS_PER_INSERT {
                flush_orders(tx, &mut orders).await?;
            }
        }
    }
    flush_lines(tx, &mut lines).await?;
    flush_orders(tx, &mut orders).await
}

type OrderRow = (i64, i64, i64, Date, &'static str, f64);
type LineRow = (i64, i64, i64, i64, f64, f64, f64);

async fn flush_orders(tx: &mut SqliteConnection, rows: &mut Vec<OrderRow>) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut qb =
        sqlx::QueryBuilder::new("INSERT INTO orders (id, customer_id, employee_id, order_date, status, total_amount) ");
    qb.push_values(rows.drain(..), |mut b, (id, customer, employee, date, status, total)| {
        b.push_bind(id)
            .push_bind(customer)
            .push_bind(employee)
            .push_bind(date.to_string())
            .push_bind(status)
            .push_bind(total);
    });
    qb.build().execute(&mut *tx).await.map(|_| ())
}

async fn flush_lines(tx: &mut SqliteConnection, rows: &mut Vec<LineRow>) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut qb = sqlx::QueryBuilder::new(
        "INSERT INTO order_lines (id, order_id, product_id, quantity, unit_price, discount, line_total) ",
    );
    qb.push_values(rows.drain(..), |mut b, (id, order, product, quantity, price, discount, total)| {
        b.push_bind(id)
            .push_bind(order)
            .push_bind(product)
            .push_bind(quantity)
            .push_bind(price)
            .push_bind(discount)
            .push_bind(total);
    });
    qb.build().execute(&mut *tx).await.map(|_| ())
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Changes whenever the generator's code or schema changes, so a cached copy of the demo
/// database (tests keep one) can be told apart from a stale one.
pub fn generator_fingerprint() -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for source in
        [include_str!("mod.rs"), include_str!("names.rs"), include_str!("calendar.rs"), include_str!("schema.sql")]
    {
        source.hash(&mut hasher);
    }
    hasher.finish()
}

/// The demo database inside `dir`, named by the generator's fingerprint and created if
/// absent: tests and the compiler score keep one copy across runs instead of regenerating.
pub async fn cached_in(dir: &Path) -> Result<std::path::PathBuf, sqlx::Error> {
    let path = dir.join(format!("demo-{:016x}.sqlite", generator_fingerprint()));
    ensure(&path).await?;
    Ok(path)
}

/// Name of the demo source as users see it.
pub const SOURCE_NAME: &str = "Demo: Northpeak Supply";

/// Questions the demo offers a first-time user.
pub const EXAMPLE_QUESTIONS: [&str; 6] = [
    "revenue by month",
    "top 10 customers by revenue",
    "number of orders per country",
    "average order value by year",
    "how many customers",
    "revenue by segment",
];
