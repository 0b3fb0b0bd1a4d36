-- The SQL of one durable POST /v1/actions without an Idempotency-Key, for pgbench: the statement
-- PostgresActionStore.submitStatement sends (one action row + two event rows, one implicit
-- transaction; here wrapped to read back the newest seq), then the live-update doorbell. The server coalesces doorbells under load; this
-- script rings one per transaction, so pgbench does at least the server's database work.
\set n random(1, 1000000000)
WITH inserted AS (
    INSERT INTO actions (id, agent_id, tool, operation, params_json, context_json, status, decision,
        outcome, reason, reason_code, risk_level, request_hash, policy_hash, policy_version, profile_id,
        profile_version, profile_hash, runtime_version, provenance_id, approval_token,
        approval_expires_at, idempotency_key, created_at, updated_at, version, last_event_hash)
    VALUES (gen_random_uuid(), 'load-agent', 'http', 'get', '{"url":"https://example.com/' || :n::text || '"}', '{}',
        'allowed', 'allow', 'EXECUTE', 'Allow HTTP GET requests', 'POLICY_ALLOW', 'low',
        md5(:n::text) || md5(:n::text), md5('p') || md5('p'), 'v1', NULL, NULL, NULL, '0.4.0',
        md5('x' || :n::text) || md5('y' || :n::text), NULL, NULL, NULL, now(), now(), 1, md5('e' || :n::text) || md5('f' || :n::text))
    RETURNING id),
events AS (
INSERT INTO action_events (id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
SELECT e.id, inserted.id, e.event_type, e.meta_json, e.actor, e.created_at, e.prev_hash, e.record_hash
FROM inserted,
    (VALUES (gen_random_uuid(), 'created', '{"decision":"allow","risk_level":"low"}', 'load-agent', now(), NULL, md5('c' || :n::text) || md5('d' || :n::text)),
            (gen_random_uuid(), 'decision_made', '{"decision":"allow","outcome":"EXECUTE","reason":"Allow HTTP GET requests","reason_code":"POLICY_ALLOW","risk_level":"low"}', 'load-agent', now(), md5('c' || :n::text) || md5('d' || :n::text), md5('e' || :n::text) || md5('f' || :n::text)))
    AS e (id, event_type, meta_json, actor, created_at, prev_hash, record_hash)
RETURNING seq)
SELECT max(seq) AS seq FROM events \gset s_
-- The doorbell is rung after the commit (see PostgresCommitDoorbell).
SELECT pg_notify('faramesh_events', :s_seq::text);
