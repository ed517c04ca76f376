-- Saved charts: the definition only (question, SQL, chart settings, source). Results are never
-- stored; a saved chart runs live each time. `chart` is the JSON of
-- `vizkraft_domain::chart::ChartSpec`; `created_by`/`updated_by` name the person or API key as
-- the audit log does.
CREATE TABLE saved_charts (
    id                TEXT PRIMARY KEY,
    organisation_id   TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    source_id         TEXT NOT NULL,
    name              TEXT NOT NULL,
    question          TEXT NOT NULL,
    sql               TEXT NOT NULL,
    chart             TEXT NOT NULL,
    schema_indexed_at TEXT,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_by        TEXT NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX saved_charts_by_organisation ON saved_charts (organisation_id, updated_at);
