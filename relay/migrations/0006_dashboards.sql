-- Dashboards (definitions only: tabs, tiles, filters as the JSON of
-- `vizkraft_domain::api::dashboards::DashboardDefinition`) and their share links. A link's token
-- is stored only as its SHA-256; deleting a dashboard deletes its links.
CREATE TABLE dashboards (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    definition      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX dashboards_by_organisation ON dashboards (organisation_id, updated_at);

CREATE TABLE share_links (
    id             TEXT PRIMARY KEY,
    dashboard_id   TEXT NOT NULL REFERENCES dashboards(id) ON DELETE CASCADE,
    token_hash     BLOB NOT NULL UNIQUE,
    created_by     TEXT NOT NULL,
    created_by_user TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    last_used_at   INTEGER,
    -- Filter values the author locked, as the JSON of `FilterValues`.
    locked_filters TEXT NOT NULL
);
CREATE INDEX share_links_by_dashboard ON share_links (dashboard_id);
