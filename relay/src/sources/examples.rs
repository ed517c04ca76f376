//! Example questions that fit a source's own schema, for a first-time user.

use vizkraft_domain::semantic::{Column, ColumnKind, SchemaModel, Table};

/// Up to four questions built from the schema's names: a count of the largest table, a
/// measure over time, and a count per related category.
pub fn suggest(model: &SchemaModel) -> Vec<String> {
    let mut by_size: Vec<&Table> = model.tables.iter().collect();
    by_size.sort_by_key(|t| std::cmp::Reverse(t.row_estimate.unwrap_or(0)));
    let mut questions = Vec::new();
    if let Some(largest) = by_size.first() {
        questions.push(format!("how many {}", plural(&words(&largest.name))));
    }
    // Only where the question is unambiguous: one date in the table, and a measure name no
    // other table has.
    let unique = |column: &Column| model.tables.iter().filter(|t| t.column(&column.name).is_some()).count() == 1;
    let over_time = by_size.iter().find_map(|table| {
        let measure = measure_column(table).filter(|m| unique(m))?;
        (table.columns.iter().filter(|c| c.kind.is_temporal()).count() == 1).then_some(measure)
    });
    if let Some(measure) = over_time {
        let measure = words(&measure.name);
        let total = if measure.starts_with("total") { measure } else { format!("total {measure}") };
        questions.push(format!("{total} by month"));
    }
    // A count per related table (`tracks per genre`) reads better than one per free-text column.
    let per_related = by_size.iter().find_map(|table| {
        let fk = table.foreign_keys.iter().find(|fk| model.table(bare(&fk.referenced_table)).is_some())?;
        Some(format!("number of {} per {}", plural(&words(&table.name)), words(bare(&fk.referenced_table))))
    });
    questions.extend(per_related);
    questions.truncate(4);
    questions
}

/// `public.Genre` → `Genre`.
fn bare(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// `PlaylistTrack`, `order_lines` → `playlist track`, `order lines`.
fn words(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == ' ' {
            out.push(' ');
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower {
            out.push(' ');
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn plural(words: &str) -> String {
    if words.ends_with('s') {
        words.to_owned()
    } else if let Some(stem) = words.strip_suffix('y').filter(|s| !s.ends_with(['a', 'e', 'o', 'u'])) {
        format!("{stem}ies")
    } else {
        format!("{words}s")
    }
}

fn measure_column(table: &Table) -> Option<&Column> {
    let is_key = |name: &str| {
        table.primary_key.iter().any(|k| k == name)
            || table.foreign_keys.iter().any(|fk| fk.columns.iter().any(|c| c == name))
    };
    table.columns.iter().find(|c| c.kind == ColumnKind::Decimal && !is_key(&c.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_plain_words() {
        assert_eq!(words("PlaylistTrack"), "playlist track");
        assert_eq!(words("order_lines"), "order lines");
        assert_eq!(words("InvoiceLine"), "invoice line");
        assert_eq!(plural("invoice line"), "invoice lines");
        assert_eq!(plural("country"), "countries");
        assert_eq!(plural("day"), "days");
        assert_eq!(plural("orders"), "orders");
    }
}
