-- Faramesh initial schema for the embedded SQLite backend.
--
-- The same tables, columns, constraints and indexes as the PostgreSQL schema, in SQLite types:
-- * ids are canonical lower-case uuid text, which sorts exactly like PostgreSQL's uuid type
--   (keyset paging and prefix lookups depend on that order);
-- * timestamps are integer microseconds since 1970-01-01 UTC (exact, no float rounding);
-- * params/context/meta (*_json) are the same JSON text the PostgreSQL backend stores: canonical
--   form, except that non-integer numbers keep a fraction or exponent.
-- STRICT tables reject values of the wrong type instead of converting them.

CREATE TABLE actions (
    id                  TEXT    PRIMARY KEY NOT NULL CHECK (length(id) = 36 AND id = lower(id)),
    agent_id            TEXT    NOT NULL,
    tool                TEXT    NOT NULL,
    operation           TEXT    NOT NULL,
    params_json         TEXT    NOT NULL,
    context_json        TEXT    NOT NULL,
    status              TEXT    NOT NULL CHECK (status IN ('pending_decision', 'allowed', 'denied',
                            'pending_approval', 'approved', 'executing', 'succeeded', 'failed', 'timeout', 'expired')),
    decision            TEXT    NOT NULL CHECK (decision IN ('allow', 'deny', 'require_approval')),
    outcome             TEXT    NOT NULL CHECK (outcome IN ('EXECUTE', 'ABSTAIN', 'HALT')),
    reason              TEXT    NOT NULL,
    reason_code         TEXT    NOT NULL,
    risk_level          TEXT    NOT NULL CHECK (risk_level IN ('low', 'medium', 'high')),
    request_hash        TEXT    NOT NULL,
    policy_hash         TEXT,
    policy_version      TEXT,
    profile_id          TEXT,
    profile_version     TEXT,
    profile_hash        TEXT,
    runtime_version     TEXT    NOT NULL,
    provenance_id       TEXT    NOT NULL,
    approval_token      TEXT,
    approval_expires_at INTEGER,
    idempotency_key     TEXT,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL,
    version             INTEGER NOT NULL CHECK (version >= 1),
    last_event_hash     TEXT
) STRICT;

-- Keyset order (created_at DESC, id DESC) for the unfiltered list and for each filter.
CREATE INDEX actions_created_idx    ON actions (created_at DESC, id DESC);
CREATE INDEX actions_agent_idx      ON actions (agent_id, created_at DESC, id DESC);
CREATE INDEX actions_tool_idx       ON actions (tool, created_at DESC, id DESC);
CREATE INDEX actions_status_idx     ON actions (status, created_at DESC, id DESC);
CREATE INDEX actions_risk_idx       ON actions (risk_level, created_at DESC, id DESC);
-- Expiry sweep and pending count.
CREATE INDEX actions_pending_expiry_idx ON actions (approval_expires_at)
    WHERE status = 'pending_approval';

-- AUTOINCREMENT: a seq is never reused, even after the newest rows were deleted, so SSE clients
-- resuming with Last-Event-ID never miss or repeat an event.
CREATE TABLE action_events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT    NOT NULL UNIQUE CHECK (length(id) = 36 AND id = lower(id)),
    action_id       TEXT    NOT NULL REFERENCES actions (id),
    event_type      TEXT    NOT NULL,
    meta_json       TEXT    NOT NULL,
    actor           TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    prev_hash       TEXT,
    record_hash     TEXT    NOT NULL
) STRICT;

CREATE INDEX action_events_action_idx ON action_events (action_id, seq);

CREATE TABLE idempotency_keys (
    key             TEXT    PRIMARY KEY NOT NULL,
    request_hash    TEXT    NOT NULL,
    -- Deferred, as in PostgreSQL: the key may be claimed before the action row exists.
    action_id       TEXT    NOT NULL REFERENCES actions (id) DEFERRABLE INITIALLY DEFERRED,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE api_tokens (
    id              TEXT    PRIMARY KEY NOT NULL CHECK (length(id) = 36 AND id = lower(id)),
    name            TEXT    NOT NULL UNIQUE,
    role            TEXT    NOT NULL CHECK (role IN ('agent', 'approver', 'admin')),
    token_hash      TEXT    NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER
) STRICT;
