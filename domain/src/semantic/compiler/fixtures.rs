//! Hand-built schema models for the compiler's tests: the demo database, and an unrelated music
//! store in another naming style, so no rule can quietly depend on one schema's names.

use crate::semantic::{Column, ColumnKind, Engine, ForeignKey, SchemaModel, Table, TableKind};

/// `name TYPE` pairs, primary key, and `(column, referenced table, referenced column)` keys.
pub(crate) fn table(name: &str, columns: &[(&str, &str)], pk: &[&str], fks: &[(&str, &str, &str)]) -> Table {
    Table {
        schema: None,
        name: name.into(),
        kind: TableKind::Table,
        columns: columns
            .iter()
            .map(|(n, t)| Column {
                name: (*n).into(),
                declared_type: (*t).into(),
                kind: ColumnKind::from_declared_type(t),
                nullable: false,
                comment: None,
            })
            .collect(),
        primary_key: pk.iter().map(|s| (*s).into()).collect(),
        foreign_keys: fks
            .iter()
            .map(|(c, t, r)| ForeignKey {
                columns: vec![(*c).into()],
                referenced_table: (*t).into(),
                referenced_columns: vec![(*r).into()],
            })
            .collect(),
        row_estimate: None,
        comment: None,
    }
}

/// relay/src/demo/schema.sql, as the SQLite indexer would describe it.
pub(crate) fn demo() -> SchemaModel {
    SchemaModel {
        engine: Engine::Sqlite,
        tables: vec![
            table("regions", &[("id", "INTEGER"), ("name", "TEXT")], &["id"], &[]),
            table(
                "employees",
                &[
                    ("id", "INTEGER"),
                    ("first_name", "TEXT"),
                    ("last_name", "TEXT"),
                    ("title", "TEXT"),
                    ("region_id", "INTEGER"),
                    ("manager_id", "INTEGER"),
                    ("hire_date", "DATE"),
                ],
                &["id"],
                &[("region_id", "regions", "id"), ("manager_id", "employees", "id")],
            ),
            table(
                "customers",
                &[
                    ("id", "INTEGER"),
                    ("name", "TEXT"),
                    ("segment", "TEXT"),
                    ("country", "TEXT"),
                    ("city", "TEXT"),
                    ("region_id", "INTEGER"),
                    ("sales_rep_id", "INTEGER"),
                    ("signup_date", "DATE"),
                ],
                &["id"],
                &[("region_id", "regions", "id"), ("sales_rep_id", "employees", "id")],
            ),
            table(
                "products",
                &[
                    ("id", "INTEGER"),
                    ("name", "TEXT"),
                    ("category", "TEXT"),
                    ("unit_price", "NUMERIC(10,2)"),
                    ("unit_cost", "NUMERIC(10,2)"),
                ],
                &["id"],
                &[],
            ),
            table(
                "orders",
                &[
                    ("id", "INTEGER"),
                    ("customer_id", "INTEGER"),
                    ("employee_id", "INTEGER"),
                    ("order_date", "DATE"),
                    ("status", "TEXT"),
                    ("total_amount", "NUMERIC(12,2)"),
                ],
                &["id"],
                &[("customer_id", "customers", "id"), ("employee_id", "employees", "id")],
            ),
            table(
                "order_lines",
                &[
                    ("id", "INTEGER"),
                    ("order_id", "INTEGER"),
                    ("product_id", "INTEGER"),
                    ("quantity", "INTEGER"),
                    ("unit_price", "NUMERIC(10,2)"),
                    ("discount", "REAL"),
                    ("line_total", "NUMERIC(12,2)"),
                ],
                &["id"],
                &[("order_id", "orders", "id"), ("product_id", "products", "id")],
            ),
        ],
    }
}

/// A small music store in PascalCase with `…Id` keys and text dates, unrelated to the demo.
pub(crate) fn music_store() -> SchemaModel {
    SchemaModel {
        engine: Engine::Sqlite,
        tables: vec![
            table("Artist", &[("ArtistId", "INTEGER"), ("Name", "NVARCHAR(120)")], &["ArtistId"], &[]),
            table(
                "Album",
                &[("AlbumId", "INTEGER"), ("Title", "NVARCHAR(160)"), ("ArtistId", "INTEGER")],
                &["AlbumId"],
                &[("ArtistId", "Artist", "ArtistId")],
            ),
            table("Genre", &[("GenreId", "INTEGER"), ("Name", "NVARCHAR(120)")], &["GenreId"], &[]),
            table(
                "Track",
                &[
                    ("TrackId", "INTEGER"),
                    ("Name", "NVARCHAR(200)"),
                    ("AlbumId", "INTEGER"),
                    ("GenreId", "INTEGER"),
                    ("Composer", "NVARCHAR(220)"),
                    ("Milliseconds", "INTEGER"),
                    ("UnitPrice", "NUMERIC(10,2)"),
                ],
                &["TrackId"],
                &[("AlbumId", "Album", "AlbumId"), ("GenreId", "Genre", "GenreId")],
            ),
            table(
                "Customer",
                &[
                    ("CustomerId", "INTEGER"),
                    ("FirstName", "NVARCHAR(40)"),
                    ("LastName", "NVARCHAR(20)"),
                    ("City", "NVARCHAR(40)"),
                    ("Country", "NVARCHAR(40)"),
                    ("Email", "NVARCHAR(60)"),
                ],
                &["CustomerId"],
                &[],
            ),
            table(
                "Invoice",
                &[
                    ("InvoiceId", "INTEGER"),
                    ("CustomerId", "INTEGER"),
                    // Text, as some SQLite exports store dates.
                    ("InvoiceDate", "TEXT"),
                    ("BillingCountry", "NVARCHAR(40)"),
                    ("Total", "NUMERIC(10,2)"),
                ],
                &["InvoiceId"],
                &[("CustomerId", "Customer", "CustomerId")],
            ),
            table(
                "InvoiceLine",
                &[
                    ("InvoiceLineId", "INTEGER"),
                    ("InvoiceId", "INTEGER"),
                    ("TrackId", "INTEGER"),
                    ("UnitPrice", "NUMERIC(10,2)"),
                    ("Quantity", "INTEGER"),
                ],
                &["InvoiceLineId"],
                &[("InvoiceId", "Invoice", "InvoiceId"), ("TrackId", "Track", "TrackId")],
            ),
        ],
    }
}

/// The demo schema as PostgreSQL would hold it, in a named schema, with a real timestamp.
pub(crate) fn demo_in(engine: Engine, schema: Option<&str>) -> SchemaModel {
    let mut m = demo();
    m.engine = engine;
    for t in &mut m.tables {
        t.schema = schema.map(str::to_string);
    }
    m
}
