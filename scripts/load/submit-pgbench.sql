-- The SQL of one durable POST /v1/actions, for pgbench: one action row + two event rows in one
-- transaction, then the live-update doorbell (what PostgresActionStore.submit sends).
\set n random(1, 1000000000)
BEGIN;
INSERT INTO actions (id, agent_id, tool, operation, params_json, context_json, status, decision,
    outcome, reason, reason_code, risk_level, request_hash, policy_hash, policy_version, profile_id,
    profile_version, profile_hash, runtime_version, provenance_id, approval_token,
    approval_expires_at, idempotency_key, created_at, updated_at, version, last_event_hash)
VALUES (gen_random_uuid(), 'load-agent', 'http', 'get', '{"url":"https://example.com/' || :n::text || '"}', '{}',
    'allowed', 'allow', 'EXECUTE', 'Allow HTTP GET requests', 'POLICY_ALLOW', 'low',
    md5(:n::text) || md5(:n::text), md5('p') || md5('p'), 'v1', NULL, NULL, NULL, '0.4.0',
    md5('x' || :n::text) || md5('y' || :n::text), NULL, NULL, NULL, now(), now(), 1, md5('e' || :n::text) || md5('f' || :n::text))
RETURNING id \gset a_
WITH ins AS (INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
VALUES (gen_random_uuid(), :a_id, 'created', '{"decision":"allow","risk_level":"low"}', 'load-agent', now(), NULL, md5('c' || :n::text) || md5('d' || :n::text)),
       (gen_random_uuid(), :a_id, 'decision_made', '{"decision":"allow","outcome":"EXECUTE","reason":"Allow HTTP GET requests","reason_code":"POLICY_ALLOW","risk_level":"low"}', 'load-agent', now(), md5('c' || :n::text) || md5('d' || :n::text), md5('e' || :n::text) || md5('f' || :n::text))
RETURNING seq) SELECT max(seq) AS seq FROM ins \gset s_
COMMIT;
-- The doorbell is rung after the commit (see PostgresCommitDoorbell).
SELECT pg_notify('faramesh_events', :s_seq::text);
