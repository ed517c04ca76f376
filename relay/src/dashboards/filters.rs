//! Dashboard filters applied to a saved chart's SQL: the chart's query becomes a subquery, and
//! each bound filter a condition on one of its result columns. Column names are quoted as the
//! engine quotes identifiers and values travel as bound parameters, so neither can change the
//! query's shape; the result is guarded again before it runs.

use vizkraft_domain::api::dashboards::{DashboardFilter, FilterBinding, FilterKind, FilterValue, FilterValues};
use vizkraft_domain::semantic::Engine;

use crate::error::RelayError;
use crate::query::Param;

/// The alias of the wrapped query.
const ALIAS: &str = "vk_filtered";

fn quote(engine: Engine, identifier: &str) -> String {
    match engine {
        Engine::Mysql => format!("`{}`", identifier.replace('`', "``")),
        Engine::Postgres | Engine::Sqlite => format!("\"{}\"", identifier.replace('"', "\"\"")),
    }
}

/// Where a parameter goes in a condition, until the conditions are written out.
const SLOT: &str = "\u{0}";

/// The filtered query, and its twin for the guard, which reads `$n` placeholders as a
/// dollar-quote risk: the same text with `NULL` in every parameter's place.
pub struct Filtered {
    pub sql: String,
    pub guard_sql: String,
    pub params: Vec<Param>,
}

/// `template` with each slot replaced by the engine's placeholder (numbered in PostgreSQL,
/// positional elsewhere), or by `NULL` for the guard's twin.
fn render(engine: Engine, template: &str, twin: bool) -> String {
    let mut out = String::new();
    for (i, part) in template.split(SLOT).enumerate() {
        if i > 0 {
            out.push_str(&match (twin, engine) {
                (true, _) => "NULL".to_owned(),
                (false, Engine::Postgres) => format!("${i}"),
                (false, Engine::Mysql | Engine::Sqlite) => "?".to_owned(),
            });
        }
        out.push_str(part);
    }
    out
}

/// `YYYY-MM-DD`, checked, so a malformed date is the user's error and not the database's.
fn date(text: &str) -> Result<String, RelayError> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| if i == 4 || i == 7 { *b == b'-' } else { b.is_ascii_digit() });
    let month = text.get(5..7).and_then(|m| m.parse::<u8>().ok()).unwrap_or(0);
    let day = text.get(8..10).and_then(|d| d.parse::<u8>().ok()).unwrap_or(0);
    if shape && (1..=12).contains(&month) && (1..=31).contains(&day) {
        Ok(text.to_owned())
    } else {
        // The value is not repeated: it may be one from the data, and errors can reach logs.
        Err(RelayError::BadRequest("A date filter takes dates as YYYY-MM-DD.".into()))
    }
}

/// `sql` with the filters in `values` that are bound in `bindings` applied, and the parameters
/// to bind. Filters without a value, or not bound to this tile, change nothing.
pub fn apply(
    engine: Engine,
    sql: &str,
    filters: &[DashboardFilter],
    bindings: &[FilterBinding],
    values: &FilterValues,
) -> Result<Filtered, RelayError> {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    for binding in bindings {
        let Some(value) = values.get(&binding.filter_id) else { continue };
        let Some(filter) = filters.iter().find(|f| f.id == binding.filter_id) else { continue };
        let column = format!("{ALIAS}.{}", quote(engine, &binding.column));
        match (filter.kind, value) {
            (FilterKind::Category, FilterValue::Category(text)) => {
                params.push(Param::Text(text.clone()));
                let text_type = if engine == Engine::Mysql { "CHAR" } else { "TEXT" };
                conditions.push(format!("CAST({column} AS {text_type}) = {SLOT}"));
            }
            (FilterKind::Number, FilterValue::Number(number)) if number.is_finite() => {
                params.push(Param::Number(*number));
                let p = SLOT;
                conditions.push(match engine {
                    Engine::Postgres => format!("CAST({column} AS DOUBLE PRECISION) = CAST({p} AS DOUBLE PRECISION)"),
                    Engine::Mysql | Engine::Sqlite => format!("{column} = {p}"),
                });
            }
            (FilterKind::DateRange, FilterValue::DateRange { from, to }) => {
                for (bound, operator) in [(from, ">="), (to, "<=")] {
                    let Some(bound) = bound else { continue };
                    params.push(Param::Text(date(bound)?));
                    let p = SLOT;
                    conditions.push(match engine {
                        // The inner cast makes the parameter text, as it is bound.
                        Engine::Postgres => {
                            format!("CAST({column} AS DATE) {operator} CAST(CAST({p} AS TEXT) AS DATE)")
                        }
                        Engine::Mysql => format!("CAST({column} AS DATE) {operator} CAST({p} AS DATE)"),
                        Engine::Sqlite => format!("date({column}) {operator} date({p})"),
                    });
                }
            }
            _ => {
                return Err(RelayError::BadRequest(format!(
                    "The value for the filter “{}” does not fit its kind.",
                    filter.label
                )))
            }
        }
    }
    if conditions.is_empty() {
        return Ok(Filtered { sql: sql.to_owned(), guard_sql: sql.to_owned(), params });
    }
    // On lines of their own, so a trailing `--` comment cannot swallow the closing parenthesis.
    let inner = sql.trim().trim_end_matches(';').trim_end();
    let template = format!("SELECT * FROM (\n{inner}\n) AS {ALIAS} WHERE {}", conditions.join(" AND "));
    if inner.contains(SLOT) {
        return Err(RelayError::BadRequest("The chart's SQL holds a NUL character.".into()));
    }
    Ok(Filtered { sql: render(engine, &template, false), guard_sql: render(engine, &template, true), params })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn filter(id: &str, kind: FilterKind) -> DashboardFilter {
        DashboardFilter { id: id.into(), label: id.into(), kind }
    }

    fn bind(filter_id: &str, column: &str) -> FilterBinding {
        FilterBinding { filter_id: filter_id.into(), column: column.into() }
    }

    #[test]
    fn values_become_parameters_and_columns_quoted_identifiers() {
        let filters = [filter("country", FilterKind::Category), filter("when", FilterKind::DateRange)];
        let bindings = [bind("country", "bill\"ing country"), bind("when", "month")];
        let values = FilterValues::from([
            ("country".to_owned(), FilterValue::Category("x' OR '1'='1".into())),
            ("when".to_owned(), FilterValue::DateRange { from: Some("2024-01-01".into()), to: None }),
        ]);
        let filtered = apply(Engine::Postgres, "SELECT 1 -- note\n;", &filters, &bindings, &values).unwrap();
        let (sql, params) = (filtered.sql, filtered.params);
        assert!(filtered.guard_sql.contains("AS TEXT) = NULL") && !filtered.guard_sql.contains('$'));
        assert_eq!(
            sql,
            "SELECT * FROM (\nSELECT 1 -- note\n) AS vk_filtered WHERE CAST(vk_filtered.\"bill\"\"ing country\" AS TEXT) = $1 \
             AND CAST(vk_filtered.\"month\" AS DATE) >= CAST(CAST($2 AS TEXT) AS DATE)"
        );
        assert_eq!(params, vec![Param::Text("x' OR '1'='1".into()), Param::Text("2024-01-01".into())]);
        let mysql = apply(Engine::Mysql, "SELECT 1", &filters, &bindings, &values).unwrap().sql;
        assert!(mysql.contains("CAST(vk_filtered.`bill\"ing country` AS CHAR) = ?"), "{mysql}");
    }

    #[test]
    fn unbound_or_empty_filters_leave_the_sql_alone() {
        let filters = [filter("n", FilterKind::Number)];
        let filtered = apply(Engine::Sqlite, "SELECT 1", &filters, &[], &FilterValues::new()).unwrap();
        assert_eq!((filtered.sql.as_str(), filtered.params.len()), ("SELECT 1", 0));
        let values = FilterValues::from([("n".to_owned(), FilterValue::Number(3.0))]);
        assert_eq!(apply(Engine::Sqlite, "SELECT 1", &filters, &[], &values).unwrap().sql, "SELECT 1");
    }

    #[test]
    fn values_of_the_wrong_kind_or_shape_are_refused() {
        let filters = [filter("n", FilterKind::Number), filter("d", FilterKind::DateRange)];
        let bindings = [bind("n", "n"), bind("d", "d")];
        for values in [
            FilterValues::from([("n".to_owned(), FilterValue::Category("3".into()))]),
            FilterValues::from([("n".to_owned(), FilterValue::Number(f64::NAN))]),
            FilterValues::from([(
                "d".to_owned(),
                FilterValue::DateRange { from: Some("2024-13-01".into()), to: None },
            )]),
            FilterValues::from([("d".to_owned(), FilterValue::DateRange { from: Some("1; DROP".into()), to: None })]),
        ] {
            assert!(matches!(
                apply(Engine::Sqlite, "SELECT 1", &filters, &bindings, &values),
                Err(RelayError::BadRequest(_))
            ));
        }
    }
}
