-- Data sources the relay can query. `location` is the database file for SQLite sources.
-- Credentials for network sources arrive with the vault and are never stored here in clear.
CREATE TABLE sources (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    engine      TEXT NOT NULL CHECK (engine IN ('sqlite', 'postgres', 'mysql')),
    location    TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

-- The latest catalog snapshot of each source, as the JSON of `vizkraft_domain::semantic::SchemaModel`.
-- Catalog metadata only (tables, columns, types, keys, row estimates): never a row of user data.
CREATE TABLE schema_snapshots (
    source_id   TEXT PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
    indexed_at  TEXT NOT NULL,
    model       TEXT NOT NULL
);
