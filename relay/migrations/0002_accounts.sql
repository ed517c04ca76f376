-- Accounts, organisations and everything the access layer needs. Times are Unix seconds.
-- Secrets are stored only as hashes: passwords as Argon2id PHC strings, every random token
-- (session ids, set-up and invitation tokens, API key secrets) as its SHA-256.

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    email                TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    created_at           INTEGER NOT NULL
);

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE memberships (
    organisation_id  TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role             TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin', 'owner')),
    joined_at        INTEGER NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);

-- Server-side sessions. The cookie holds a random 256-bit id; only its hash is here.
CREATE TABLE sessions (
    id_hash                 BLOB PRIMARY KEY,
    user_id                 TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    active_organisation_id  TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    created_at              INTEGER NOT NULL,
    last_seen_at            INTEGER NOT NULL,
    expires_at              INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- The one-time link printed at first start, while no user exists.
CREATE TABLE setup_tokens (
    token_hash  BLOB PRIMARY KEY,
    expires_at  INTEGER NOT NULL
);

CREATE TABLE invitations (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    token_hash       BLOB NOT NULL UNIQUE,
    role             TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin', 'owner')),
    email            TEXT,
    created_by       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    accepted_at      INTEGER,
    accepted_by      TEXT REFERENCES users(id) ON DELETE SET NULL
);

-- API keys: `id` is the public part inside the key text; `secret_hash` the SHA-256 of the rest.
CREATE TABLE api_keys (
    id               TEXT PRIMARY KEY,
    organisation_id  TEXT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    role             TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin', 'owner')),
    secret_hash      BLOB NOT NULL,
    created_by       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER,
    last_used_at     INTEGER,
    revoked_at       INTEGER
);

-- Security events. Never a secret: actors and subjects are e-mails, names and key prefixes.
CREATE TABLE audit_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    organisation_id  TEXT REFERENCES organisations(id) ON DELETE CASCADE,
    at               INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    actor            TEXT,
    subject          TEXT,
    address          TEXT
);
CREATE INDEX audit_events_organisation ON audit_events(organisation_id, id);

-- Sources configured by the operator belong to the first organisation, once it exists.
ALTER TABLE sources ADD COLUMN organisation_id TEXT REFERENCES organisations(id) ON DELETE CASCADE;
