//! Example questions that fit a source's own schema, for a first-time user.

use vizkraft_domain::semantic::{ColumnKind, SchemaModel, Table};

/// Up to four questions built from the schema's names: a count of the largest table, a
/// measure over time, and a count per category.
pub fn suggest(model: &SchemaModel) -> Vec<String> {
    let mut questions = Vec::new();
    let words = |name: &str| name.replace('_', " ").to_lowercase();
    let largest = model.tables.iter().max_by_key(|t| t.row_estimate.unwrap_or(0));
    if let Some(table) = largest {
        questions.push(format!("how many {}", words(&table.name)));
    }
    for table in &model.tables {
        let date = table.columns.iter().find(|c| c.kind.is_temporal());
        if let (Some(measure), Some(_)) = (measure_column(table), date) {
            questions.push(format!("total {} by month", words(&measure.name)));
            break;
        }
    }
    for table in &model.tables {
        let category = table.columns.iter().find(|c| {
            c.kind == ColumnKind::Text
                && !table.primary_key.contains(&c.name)
                && !c.name.to_lowercase().contains("name")
        });
        if let Some(category) = category {
            questions.push(format!("number of {} per {}", words(&table.name), words(&category.name)));
            break;
        }
    }
    questions.truncate(4);
    questions
}

fn measure_column(table: &Table) -> Option<&vizkraft_domain::semantic::Column> {
    let is_key = |name: &str| {
        table.primary_key.iter().any(|k| k == name)
            || table.foreign_keys.iter().any(|fk| fk.columns.iter().any(|c| c == name))
    };
    table.columns.iter().find(|c| c.kind == ColumnKind::Decimal && !is_key(&c.name))
}
