-- Faramesh initial schema.
--
-- params/context/meta (*_json) are JSON text in canonical form (sorted keys, no whitespace),
-- except that non-integer numbers keep a fraction or exponent so they read back as the same
-- value. Not jsonb: jsonb rewrites numbers (1e2 -> 100) and rejects "\u0000", which would change
-- what GET returns (clients recompute request_hash from it) and break event chains.
-- Cast with ::jsonb for ad-hoc queries. All timestamps have microsecond precision.

CREATE TABLE actions (
    id                  uuid        PRIMARY KEY,
    agent_id            text        NOT NULL,
    tool                text        NOT NULL,
    operation           text        NOT NULL,
    params_json         text        NOT NULL,
    context_json        text        NOT NULL,
    status              text        NOT NULL CHECK (status IN ('pending_decision', 'allowed', 'denied',
                            'pending_approval', 'approved', 'executing', 'succeeded', 'failed', 'timeout', 'expired')),
    decision            text        NOT NULL CHECK (decision IN ('allow', 'deny', 'require_approval')),
    outcome             text        NOT NULL CHECK (outcome IN ('EXECUTE', 'ABSTAIN', 'HALT')),
    reason              text        NOT NULL,
    reason_code         text        NOT NULL,
    risk_level          text        NOT NULL CHECK (risk_level IN ('low', 'medium', 'high')),
    request_hash        text        NOT NULL,
    policy_hash         text,
    policy_version      text,
    profile_id          text,
    profile_version     text,
    profile_hash        text,
    runtime_version     text        NOT NULL,
    provenance_id       text        NOT NULL,
    approval_token      text,
    approval_expires_at timestamptz,
    idempotency_key     text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    version             integer     NOT NULL CHECK (version >= 1),
    last_event_hash     text
);

-- Keyset order (created_at DESC, id DESC) for the unfiltered list and for each filter.
CREATE INDEX actions_created_idx    ON actions (created_at DESC, id DESC);
CREATE INDEX actions_agent_idx      ON actions (agent_id, created_at DESC, id DESC);
CREATE INDEX actions_tool_idx       ON actions (tool, created_at DESC, id DESC);
CREATE INDEX actions_status_idx     ON actions (status, created_at DESC, id DESC);
CREATE INDEX actions_risk_idx       ON actions (risk_level, created_at DESC, id DESC);
-- Expiry sweep and pending count.
CREATE INDEX actions_pending_expiry_idx ON actions (approval_expires_at)
    WHERE status = 'pending_approval';

CREATE TABLE action_events (
    seq             bigserial   PRIMARY KEY,
    id              uuid        NOT NULL UNIQUE,
    action_id       uuid        NOT NULL REFERENCES actions (id),
    event_type      text        NOT NULL,
    meta_json       text        NOT NULL,
    actor           text        NOT NULL,
    created_at      timestamptz NOT NULL,
    prev_hash       text,
    record_hash     text        NOT NULL
);

CREATE INDEX action_events_action_idx ON action_events (action_id, seq);

CREATE TABLE idempotency_keys (
    key             text        PRIMARY KEY,
    request_hash    text        NOT NULL,
    -- Deferred: submit claims the key before it inserts the action.
    action_id       uuid        NOT NULL REFERENCES actions (id) DEFERRABLE INITIALLY DEFERRED,
    created_at      timestamptz NOT NULL
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE TABLE api_tokens (
    id              uuid        PRIMARY KEY,
    name            text        NOT NULL UNIQUE,
    role            text        NOT NULL CHECK (role IN ('agent', 'approver', 'admin')),
    token_hash      text        NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);
