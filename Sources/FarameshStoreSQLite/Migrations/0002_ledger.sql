-- Tamper-evident audit ledger: the same tables as the PostgreSQL schema (see its 0002_ledger.sql
-- for what each column holds), in SQLite types: ids are lower-case uuid text, timestamps integer
-- microseconds, hashes lower-case hex. Public keys only; private keys never enter the database.

CREATE TABLE ledger (
    position            INTEGER PRIMARY KEY NOT NULL CHECK (position >= 0),
    event_seq           INTEGER NOT NULL UNIQUE,
    event_id            TEXT    NOT NULL UNIQUE CHECK (length(event_id) = 36 AND event_id = lower(event_id)),
    action_id           TEXT    NOT NULL CHECK (length(action_id) = 36 AND action_id = lower(action_id)),
    event_type          TEXT    NOT NULL,
    actor               TEXT    NOT NULL,
    record_hash         TEXT    NOT NULL,
    request_commitment  TEXT,
    leaf_hash           TEXT    NOT NULL,
    chain_hash          TEXT    NOT NULL,
    nodes               TEXT    NOT NULL DEFAULT '',
    sealed_at           INTEGER NOT NULL
) STRICT;

CREATE INDEX ledger_action_idx ON ledger (action_id, position);
CREATE INDEX ledger_sealed_idx ON ledger (sealed_at);

CREATE TABLE ledger_checkpoints (
    tree_size   INTEGER PRIMARY KEY NOT NULL CHECK (tree_size > 0),
    root_hash   TEXT    NOT NULL,
    chain_hash  TEXT    NOT NULL,
    signed_at   INTEGER NOT NULL,
    key_id      TEXT    NOT NULL,
    signature   TEXT    NOT NULL
) STRICT;

CREATE TABLE ledger_keys (
    key_id          TEXT    PRIMARY KEY NOT NULL,
    algorithm       TEXT    NOT NULL CHECK (algorithm = 'ed25519'),
    public_key      TEXT    NOT NULL,
    first_used_at   INTEGER NOT NULL
) STRICT;
