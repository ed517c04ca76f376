-- Sources that admins add through the API. `settings` is the JSON of
-- `vizkraft_domain::api::sources::ConnectionSettings` (host, port, database, user, TLS choices or
-- the SQLite file name; never a password: that is sealed in source_credentials). Sources the
-- operator configures on the command line keep `settings` NULL and cannot be edited.
ALTER TABLE sources ADD COLUMN settings TEXT;
-- What the login could change when it was last tested, as a JSON array of strings; kept only
-- because an admin accepted it.
ALTER TABLE sources ADD COLUMN writable_privileges TEXT NOT NULL DEFAULT '[]';

-- What the latest catalog read changed against the one before, as the JSON of
-- `vizkraft_domain::api::sources::SchemaChanges`: table and column names only.
ALTER TABLE schema_snapshots ADD COLUMN changes TEXT NOT NULL
    DEFAULT '{"added_tables":[],"removed_tables":[],"changed_tables":[]}';
