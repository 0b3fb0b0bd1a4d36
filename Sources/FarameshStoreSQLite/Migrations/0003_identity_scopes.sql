-- Identities bound to tokens (security hardening, issue 10); the same change as the
-- PostgreSQL migration 0003.
--
-- api_tokens.agent_ids: the agent ids a token may act as, one entry per line (`*` globs).
-- NULL (every token created before this migration) means exactly the token's own name.
ALTER TABLE api_tokens ADD COLUMN agent_ids TEXT;

-- Token names are unique ignoring case (the server also compares them with full Unicode case
-- folding before inserting; SQLite's lower() folds ASCII only).
CREATE UNIQUE INDEX api_tokens_name_lower_idx ON api_tokens (lower(name));

-- Idempotency keys are scoped by the caller; existing keys take the submitter recorded on the
-- action's created event. SQLite cannot change a primary key in place: rebuild the table.
CREATE TABLE idempotency_keys_scoped (
    scope           TEXT    NOT NULL,
    key             TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    action_id       TEXT    NOT NULL REFERENCES actions (id) DEFERRABLE INITIALLY DEFERRED,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;

INSERT INTO idempotency_keys_scoped (scope, key, request_hash, action_id, created_at)
    SELECT COALESCE((SELECT e.actor FROM action_events e
                     WHERE e.action_id = k.action_id AND e.event_type = 'created' LIMIT 1), ''),
           k.key, k.request_hash, k.action_id, k.created_at
    FROM idempotency_keys k;

DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_scoped RENAME TO idempotency_keys;
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
