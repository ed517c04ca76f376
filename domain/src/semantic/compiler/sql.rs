//! SQL text per engine: quoted names, table aliases, sortable time-bucket labels, literals, and
//! the final `SELECT` assembled from its clauses.

use super::joins::{key_pairs, JoinPlan};
use super::resolve::TimeUnit;
use super::words;
use crate::semantic::{Engine, SchemaModel};

/// Short, unique aliases for the tables of a plan (`orders` → `o`, `order_lines` → `ol`).
pub(crate) struct Aliases {
    names: Vec<Option<String>>,
}

impl Aliases {
    pub(crate) fn new(model: &SchemaModel, plan: &JoinPlan) -> Self {
        let mut names: Vec<Option<String>> = vec![None; model.tables.len()];
        let mut used: Vec<String> = Vec::new();
        for t in plan.tables() {
            let initials: String = words::split_identifier(&model.tables[t].name)
                .iter()
                .filter_map(|w| w.chars().next())
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let base = if initials.is_empty() { "t".to_string() } else { initials };
            let mut alias = base.clone();
            let mut n = 2;
            while used.contains(&alias) {
                alias = format!("{base}{n}");
                n += 1;
            }
            used.push(alias.clone());
            names[t] = Some(alias);
        }
        Aliases { names }
    }

    pub(crate) fn of(&self, table: usize) -> &str {
        self.names.get(table).and_then(|a| a.as_deref()).unwrap_or("t")
    }
}

/// `schema.table` when the table lives in a named schema, each part quoted.
pub(crate) fn table_name(model: &SchemaModel, t: usize) -> String {
    let table = &model.tables[t];
    let q = |s: &str| model.engine.quote_ident(s);
    match &table.schema {
        Some(s) => format!("{}.{}", q(s), q(&table.name)),
        None => q(&table.name),
    }
}

pub(crate) fn column(model: &SchemaModel, aliases: &Aliases, table: usize, column: &str) -> String {
    format!("{}.{}", model.engine.quote_ident(aliases.of(table)), model.engine.quote_ident(column))
}

/// `"orders"."total_amount"`, the way the explanation names a column whatever the aliases.
pub(crate) fn column_label(model: &SchemaModel, table: usize, column: &str) -> String {
    format!("{}.{}", table_name(model, table), model.engine.quote_ident(column))
}

/// A text label per time bucket that sorts in time order (`2024-03`, `2024-Q1`, `2024-W07`).
pub(crate) fn bucket(engine: Engine, unit: TimeUnit, col: &str) -> String {
    match engine {
        Engine::Sqlite => match unit {
            TimeUnit::Day => format!("strftime('%Y-%m-%d', {col})"),
            TimeUnit::Week => format!("strftime('%Y-W%W', {col})"),
            TimeUnit::Month => format!("strftime('%Y-%m', {col})"),
            TimeUnit::Quarter => {
                format!("strftime('%Y', {col}) || '-Q' || ((CAST(strftime('%m', {col}) AS INTEGER) + 2) / 3)")
            }
            TimeUnit::Year => format!("strftime('%Y', {col})"),
        },
        // ISO week-numbering year (`IYYY`) with the ISO week, so late-December days of week 1
        // land in the right year (PostgreSQL manual, 9.8 "Data Type Formatting Functions").
        Engine::Postgres => match unit {
            TimeUnit::Day => format!("to_char(date_trunc('day', {col}), 'YYYY-MM-DD')"),
            TimeUnit::Week => format!("to_char(date_trunc('week', {col}), 'IYYY-\"W\"IW')"),
            TimeUnit::Month => format!("to_char(date_trunc('month', {col}), 'YYYY-MM')"),
            TimeUnit::Quarter => format!("to_char(date_trunc('quarter', {col}), 'YYYY-\"Q\"Q')"),
            TimeUnit::Year => format!("to_char(date_trunc('year', {col}), 'YYYY')"),
        },
        // `%x`/`%v` are MySQL's ISO year and week, the pair that sorts correctly together.
        Engine::Mysql => match unit {
            TimeUnit::Day => format!("DATE_FORMAT({col}, '%Y-%m-%d')"),
            TimeUnit::Week => format!("DATE_FORMAT({col}, '%x-W%v')"),
            TimeUnit::Month => format!("DATE_FORMAT({col}, '%Y-%m')"),
            TimeUnit::Quarter => format!("CONCAT(YEAR({col}), '-Q', QUARTER({col}))"),
            TimeUnit::Year => format!("DATE_FORMAT({col}, '%Y')"),
        },
    }
}

/// `first || ' ' || last`, or MySQL's `CONCAT`, where `||` means OR by default.
pub(crate) fn concat_names(engine: Engine, first: &str, last: &str) -> String {
    match engine {
        Engine::Mysql => format!("CONCAT({first}, ' ', {last})"),
        Engine::Sqlite | Engine::Postgres => format!("{first} || ' ' || {last}"),
    }
}

/// A string literal. MySQL also treats backslashes as escapes unless `NO_BACKSLASH_ESCAPES`
/// is set, so they are doubled there (MySQL manual, 11.1.1 "String Literals").
pub(crate) fn string(engine: Engine, value: &str) -> String {
    let mut v = value.replace('\'', "''");
    if engine == Engine::Mysql {
        v = v.replace('\\', "\\\\");
    }
    format!("'{v}'")
}

pub(crate) fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

/// The clauses of one `SELECT`, rendered in order.
#[derive(Debug, Default)]
pub(crate) struct Select {
    pub distinct: bool,
    pub columns: Vec<(String, String)>,
    pub from: String,
    pub joins: Vec<String>,
    pub filters: Vec<String>,
    pub group_by: Vec<String>,
    pub having: Option<String>,
    pub order_by: Vec<String>,
    pub limit: Option<u64>,
}

impl Select {
    pub(crate) fn render(&self, engine: Engine) -> String {
        let cols = self
            .columns
            .iter()
            .map(|(expr, alias)| format!("{expr} AS {}", engine.quote_ident(alias)))
            .collect::<Vec<_>>()
            .join(", ");
        let mut sql = format!("SELECT {}{cols} FROM {}", if self.distinct { "DISTINCT " } else { "" }, self.from);
        for j in &self.joins {
            sql.push(' ');
            sql.push_str(j);
        }
        if !self.filters.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&self.filters.join(" AND "));
        }
        if !self.group_by.is_empty() {
            sql.push_str(" GROUP BY ");
            sql.push_str(&self.group_by.join(", "));
        }
        if let Some(h) = &self.having {
            sql.push_str(" HAVING ");
            sql.push_str(h);
        }
        if !self.order_by.is_empty() {
            sql.push_str(" ORDER BY ");
            sql.push_str(&self.order_by.join(", "));
        }
        if let Some(n) = self.limit {
            sql.push_str(&format!(" LIMIT {n}"));
        }
        sql
    }
}

/// `FROM root AS r JOIN … ON …` for a plan, plus one readable line per join for the explanation.
pub(crate) fn from_and_joins(
    model: &SchemaModel,
    plan: &JoinPlan,
    aliases: &Aliases,
) -> (String, Vec<String>, Vec<String>) {
    let q = |s: &str| model.engine.quote_ident(s);
    let from = format!("{} AS {}", table_name(model, plan.root), q(aliases.of(plan.root)));
    let mut joins = Vec::new();
    let mut explained = Vec::new();
    for step in &plan.steps {
        let added = step.added();
        let on = key_pairs(model, step.edge)
            .iter()
            .map(|(c, p)| {
                format!(
                    "{} = {}",
                    column(model, aliases, step.edge.child, c),
                    column(model, aliases, step.edge.parent, p)
                )
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        let readable = key_pairs(model, step.edge)
            .iter()
            .map(|(c, p)| {
                format!("{} = {}", column_label(model, step.edge.child, c), column_label(model, step.edge.parent, p))
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        joins.push(format!("JOIN {} AS {} ON {on}", table_name(model, added), q(aliases.of(added))));
        explained.push(readable);
    }
    (from, joins, explained)
}
