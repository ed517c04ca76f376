-- The credential vault (relay/src/vault/). Nothing here is readable without the master key,
-- which never enters this database: it lives in a file or an environment variable.

-- Every master key the vault's envelopes are wrapped with, normally exactly one.
-- `key_id` is the first 8 bytes of the key's SHA-256: it names the key without revealing it.
-- `check_value` is a known constant sealed with that key, so a wrong key is refused at start
-- instead of failing later on the first credential. Rotation replaces the row in the same
-- transaction that rewraps the credentials.
CREATE TABLE vault_keys (
    key_id       BLOB PRIMARY KEY,
    check_value  BLOB NOT NULL,
    created_at   INTEGER NOT NULL
);

-- Sealed credentials of data sources, one per source. `sealed` is the whole envelope
-- (format version, master key id, nonces, wrapped data key, ciphertext); its associated data
-- binds it to this row's organisation and source, so a copy in another row does not open.
-- No foreign keys: a source's row may be written before or after its credential, and the
-- sources feature owns deleting both.
CREATE TABLE source_credentials (
    organisation_id  TEXT NOT NULL,
    source_id        TEXT NOT NULL,
    sealed           BLOB NOT NULL,
    PRIMARY KEY (organisation_id, source_id)
);
