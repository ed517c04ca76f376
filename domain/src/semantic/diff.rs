//! What changed between two catalog reads of one source, for the "schema changed" notice.

use std::collections::BTreeMap;

use super::{SchemaModel, Table};
use crate::api::sources::{SchemaChanges, TableChanges};

fn qualified_name(table: &Table) -> String {
    match &table.schema {
        Some(schema) => format!("{schema}.{}", table.name),
        None => table.name.clone(),
    }
}

impl SchemaModel {
    /// Tables and columns added, removed or retyped since `previous`, in name order.
    pub fn changes_since(&self, previous: &SchemaModel) -> SchemaChanges {
        let before: BTreeMap<String, &Table> = previous.tables.iter().map(|t| (qualified_name(t), t)).collect();
        let after: BTreeMap<String, &Table> = self.tables.iter().map(|t| (qualified_name(t), t)).collect();
        let mut changes = SchemaChanges {
            added_tables: after.keys().filter(|name| !before.contains_key(*name)).cloned().collect(),
            removed_tables: before.keys().filter(|name| !after.contains_key(*name)).cloned().collect(),
            changed_tables: Vec::new(),
        };
        for (name, new) in &after {
            let Some(old) = before.get(name) else { continue };
            let old_columns: BTreeMap<&str, &str> =
                old.columns.iter().map(|c| (c.name.as_str(), c.declared_type.as_str())).collect();
            let new_columns: BTreeMap<&str, &str> =
                new.columns.iter().map(|c| (c.name.as_str(), c.declared_type.as_str())).collect();
            let table = TableChanges {
                table: name.clone(),
                added_columns: new_columns
                    .keys()
                    .filter(|c| !old_columns.contains_key(*c))
                    .map(|c| c.to_string())
                    .collect(),
                removed_columns: old_columns
                    .keys()
                    .filter(|c| !new_columns.contains_key(*c))
                    .map(|c| c.to_string())
                    .collect(),
                retyped_columns: new_columns
                    .iter()
                    .filter_map(|(column, new_type)| {
                        let old_type = old_columns.get(column)?;
                        (old_type != new_type).then(|| format!("{column}: {old_type} → {new_type}"))
                    })
                    .collect(),
            };
            if !(table.added_columns.is_empty() && table.removed_columns.is_empty() && table.retyped_columns.is_empty())
            {
                changes.changed_tables.push(table);
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::semantic::compiler::fixtures::table;
    use crate::semantic::Engine;

    #[test]
    fn added_removed_and_retyped_tables_and_columns_are_reported() {
        let before = SchemaModel {
            engine: Engine::Postgres,
            tables: vec![
                table("orders", &[("id", "integer"), ("amount", "integer"), ("note", "text")], &["id"], &[]),
                table("legacy", &[("id", "integer")], &["id"], &[]),
            ],
        };
        let after = SchemaModel {
            engine: Engine::Postgres,
            tables: vec![
                table("orders", &[("id", "integer"), ("amount", "numeric(10,2)"), ("status", "text")], &["id"], &[]),
                table("refunds", &[("id", "integer")], &["id"], &[]),
            ],
        };
        let changes = after.changes_since(&before);
        assert_eq!(changes.added_tables, ["refunds"]);
        assert_eq!(changes.removed_tables, ["legacy"]);
        assert_eq!(
            changes.changed_tables,
            [TableChanges {
                table: "orders".into(),
                added_columns: vec!["status".into()],
                removed_columns: vec!["note".into()],
                retyped_columns: vec!["amount: integer → numeric(10,2)".into()],
            }]
        );
        assert!(after.changes_since(&after).is_empty());
    }
}
