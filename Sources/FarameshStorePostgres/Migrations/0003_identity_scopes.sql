-- Identities bound to tokens (security hardening, issue 10).
--
-- api_tokens.agent_ids: the agent ids a token may act as (submit, gate/decide, and for agent
-- tokens also read, start and result), one entry per line; `*` inside an entry is a glob.
-- NULL, which every token created before this migration has, means exactly the token's own
-- name: existing tokens keep working for agents named like the token and lose access to every
-- other agent id until they are re-created with `faramesh token create --agent-id ID`.
ALTER TABLE api_tokens ADD COLUMN agent_ids text;

-- Token names are unique ignoring case, so a list never shows two tokens that read alike.
CREATE UNIQUE INDEX api_tokens_name_lower_idx ON api_tokens (lower(name));

-- Idempotency keys are scoped by the caller (token name, "local", "bootstrap-admin"): another
-- caller replaying a key gets a new action and cannot pre-claim keys. Keys stored before this
-- migration take the submitter recorded on the action's created event.
ALTER TABLE idempotency_keys ADD COLUMN scope text NOT NULL DEFAULT '';
UPDATE idempotency_keys k SET scope = e.actor
    FROM action_events e
    WHERE e.action_id = k.action_id AND e.event_type = 'created';
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, key);
ALTER TABLE idempotency_keys ALTER COLUMN scope DROP DEFAULT;
