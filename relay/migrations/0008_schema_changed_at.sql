-- When a catalog read last found a difference. `changes` now keeps what that read found, so a
-- later read with nothing new no longer wipes the report before anyone has seen it.
ALTER TABLE schema_snapshots ADD COLUMN changed_at TEXT;
UPDATE schema_snapshots SET changed_at = indexed_at
    WHERE changes <> '{"added_tables":[],"removed_tables":[],"changed_tables":[]}';
