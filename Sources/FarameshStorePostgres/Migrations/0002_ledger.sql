-- Tamper-evident audit ledger.
--
-- ledger: one row per sealed event, at a gap-free position assigned by the single sealer (in the
-- order it seals them: late commits get later positions, never none). leaf_hash commits to the
-- event (id, seq, action, actor, record_hash and, for created events, the action's request);
-- chain_hash = SHA-256(0x02 || previous chain_hash || leaf_hash); nodes = the RFC 6962 Merkle
-- subtree hashes this position completes (hex, lowest level first), so proofs never re-read all
-- leaves. event_type, actor, record_hash and request_commitment repeat what the leaf committed
-- to, so a proof can be served for a deleted event and a verifier can say what changed. No foreign key to action_events on purpose: a deleted event must stay
-- detectable (its ledger row remains), not be prevented by a constraint an intruder can drop.
--
-- ledger_checkpoints: Ed25519-signed (tree_size, root_hash, chain_hash, signed_at, key_id).
-- ledger_keys: PUBLIC keys only, by key id (first 16 hex digits of SHA-256 of the raw key), so
-- checkpoints made before a key rotation stay verifiable. Private keys never enter the database.

CREATE TABLE ledger (
    position            bigint      PRIMARY KEY CHECK (position >= 0),
    event_seq           bigint      NOT NULL UNIQUE,
    event_id            uuid        NOT NULL UNIQUE,
    action_id           uuid        NOT NULL,
    event_type          text        NOT NULL,
    actor               text        NOT NULL,
    record_hash         text        NOT NULL,
    request_commitment  text,
    leaf_hash           text        NOT NULL,
    chain_hash          text        NOT NULL,
    nodes               text        NOT NULL DEFAULT '',
    sealed_at           timestamptz NOT NULL
);

CREATE INDEX ledger_action_idx ON ledger (action_id, position);
CREATE INDEX ledger_sealed_idx ON ledger (sealed_at);

CREATE TABLE ledger_checkpoints (
    tree_size   bigint      PRIMARY KEY CHECK (tree_size > 0),
    root_hash   text        NOT NULL,
    chain_hash  text        NOT NULL,
    signed_at   timestamptz NOT NULL,
    key_id      text        NOT NULL,
    signature   text        NOT NULL
);

CREATE TABLE ledger_keys (
    key_id          text        PRIMARY KEY,
    algorithm       text        NOT NULL CHECK (algorithm = 'ed25519'),
    public_key      text        NOT NULL,
    first_used_at   timestamptz NOT NULL
);
