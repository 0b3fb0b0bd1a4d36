'use strict';

// Every call of the client against a real `faramesh serve` with tokens on: happy paths and errors.

const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const { FaultProxy } = require('./support/proxy');
const sdk = require('..');

const { ExecutionGovernorClient, computeRequestHash, verifyRequestHash } = sdk;
const PORT = 18811;
const PROXY_PORT = 18821;

let server;
let admin;
let agent;
let approver;
let proxy;

test.before(async () => {
  server = await startServer({ port: PORT, tokens: { 'agent-1': 'agent', 'pager': 'agent', alice: 'approver' } });
  admin = new ExecutionGovernorClient(server.baseUrl, { token: server.adminToken });
  agent = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens['agent-1'] });
  approver = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens.alice });
  proxy = await new FaultProxy(server.baseUrl).listen(PROXY_PORT);
});

test.after(async () => {
  if (proxy) await proxy.close();
  if (server) await server.stop();
});

const http = (extra = {}) => ({ tool: 'http', operation: 'get', params: { url: 'https://example.com' }, agentId: 'agent-1', ...extra });
const shell = (cmd = 'echo hi') => ({ tool: 'shell', operation: 'run', params: { cmd }, context: { agent_id: 'agent-1' } });

test('configuration: arguments, FARAMESH_BASE_URL / FARAMESH_TOKEN, bad values', async () => {
  const fromEnv = new ExecutionGovernorClient(undefined, { env: { FARAMESH_BASE_URL: server.baseUrl + '/', FARAMESH_TOKEN: ` ${server.tokens['agent-1']} ,other` } });
  assert.equal(fromEnv.baseUrl, server.baseUrl);
  const action = await fromEnv.submitAction(http());
  assert.equal(action.status, 'allowed');
  const byObject = new ExecutionGovernorClient({ baseUrl: server.baseUrl, token: server.adminToken, timeoutMs: 5000, retries: 0 });
  assert.equal((await byObject.getAction(action.id)).id, action.id);
  assert.equal(new ExecutionGovernorClient(undefined, { env: {} }).baseUrl, 'http://127.0.0.1:8000');
  assert.throws(() => new ExecutionGovernorClient('not a url'), sdk.ValidationError);
  assert.throws(() => new ExecutionGovernorClient('ftp://127.0.0.1'), sdk.ValidationError);
  assert.throws(() => new ExecutionGovernorClient('http://u:p@127.0.0.1'), sdk.ValidationError);
  assert.throws(() => new ExecutionGovernorClient(server.baseUrl, { retries: -1 }), sdk.ValidationError);
  assert.throws(() => new ExecutionGovernorClient(server.baseUrl, { token: 'has space' }), sdk.ValidationError);
  assert.equal(JSON.stringify(byObject).includes(server.adminToken), false, 'the token is not serialised with the client');
});

test('submitAction: allowed, with the server request_hash equal to computeRequestHash', async () => {
  const request = http({ params: { url: 'https://example.com', n: 1.5e-7, big: 2n ** 64n } });
  const action = await agent.submitAction(request);
  assert.equal(action.status, 'allowed');
  assert.equal(action.agent_id, 'agent-1');
  assert.equal(action.approval_token ?? null, null);
  assert.equal(action.request_hash, computeRequestHash({ ...request, agent_id: 'agent-1' }));
  assert.equal(action.params.big, 2n ** 64n, 'integers beyond 2^53 come back exact');
  assert.equal(verifyRequestHash(action), true);
  // With exactIntegers off, responses go through JSON.parse: the big integer is rounded.
  const rounded = await new ExecutionGovernorClient(server.baseUrl, { token: server.adminToken, exactIntegers: false }).getAction(action.id);
  assert.equal(rounded.params.big, 18446744073709552000);
  assert.equal(verifyRequestHash(rounded), false);
});

test('submitAction: agent id from context.agent_id (the README example), pending for shell', async () => {
  const action = await agent.submitAction(shell());
  assert.equal(action.status, 'pending_approval');
  assert.equal(action.agent_id, 'agent-1');
  assert.deepEqual(action.context, { agent_id: 'agent-1' });
  assert.equal(action.approval_token, null, 'agents never see approval tokens');
  assert.equal(action.risk_level, 'medium');
});

test('submitAction: denied is a result, not an error', async () => {
  const action = await agent.submitAction({ tool: 'stripe', operation: 'refund', params: { amount: 5 }, agentId: 'agent-1' });
  assert.equal(action.status, 'denied');
  assert.equal(action.reason, 'Default deny rule');
});

test('submitAction: input errors are typed, locally and from the server', async () => {
  await assert.rejects(agent.submitAction({ tool: 'http', operation: 'get' }), sdk.ValidationError, 'no agent id anywhere');
  await assert.rejects(agent.submitAction({ tool: '', operation: 'get', agentId: 'agent-1' }), sdk.ValidationError);
  await assert.rejects(agent.submitAction(http({ params: [1] })), sdk.ValidationError);
  await assert.rejects(agent.submitAction(http({ params: { x: NaN } })), sdk.ValidationError);
  await assert.rejects(agent.submitAction(http({ idempotencyKey: 'has space' })), sdk.ValidationError);
  // The server's own validation: a control character in the tool name.
  await assert.rejects(agent.submitAction(http({ tool: 'ht\u0001tp' })), (e) => e instanceof sdk.ValidationError && e.status === 422 && e.field === 'tool');
  // Too large for the server (params over 100 kB).
  await assert.rejects(agent.submitAction(http({ params: { blob: 'x'.repeat(120_000) } })), (e) => e instanceof sdk.ValidationError && e.status === 413);
});

test('submitAction: Idempotency-Key returns the same action; reuse for another request is a Conflict', async () => {
  const key = `key-${Date.now()}`;
  const first = await agent.submitAction(http({ idempotencyKey: key }));
  const again = await agent.submitAction(http({ idempotencyKey: key }));
  assert.equal(again.id, first.id);
  await assert.rejects(agent.submitAction(http({ idempotencyKey: key, params: { url: 'https://other.example' } })),
    (e) => e instanceof sdk.Conflict && e.code === 'IDEMPOTENCY_CONFLICT');
});

test('submitAction: a retry after a lost answer sends the same Idempotency-Key, so one action is stored', async () => {
  const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.tokens.pager, retryDelayMs: 10 });
  const before = proxy.count('POST', '/v1/actions');
  proxy.add({ method: 'POST', path: '/v1/actions', dropAfterForward: true, times: 2 });
  const action = await client.submitAction({ tool: 'http', operation: 'get', params: { url: 'https://lost.example' }, agentId: 'pager' });
  const attempts = proxy.hits.slice(before).filter((h) => h.method === 'POST' && h.path === '/v1/actions');
  assert.equal(attempts.length, 3);
  const keys = new Set(attempts.map((h) => h.headers['idempotency-key']));
  assert.equal(keys.size, 1, 'the same key on every attempt');
  assert.match([...keys][0], /^[0-9a-f-]{36}$/);
  const stored = await admin.listActions({ agentId: 'pager', limit: 1000 });
  assert.equal(stored.filter((a) => a.params.url === 'https://lost.example').length, 1);
  assert.equal(stored.find((a) => a.params.url === 'https://lost.example').id, action.id);
  for (const h of attempts) assert.equal(h.headers['content-type'], 'application/json');
});

test('retries with backoff on 503 (Retry-After honoured), then GatekeeperUnreachable when they run out', async () => {
  const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.adminToken, retries: 2, retryDelayMs: 10 });
  const action = await admin.submitAction(http());
  proxy.add({ method: 'GET', path: `/v1/actions/${action.id}`, status: 503, times: 2 });
  const started = Date.now();
  assert.equal((await client.getAction(action.id)).id, action.id);
  assert.ok(Date.now() - started < 2000);
  proxy.add({ method: 'GET', path: `/v1/actions/${action.id}`, status: 503, headers: { 'retry-after': '1' }, times: 3 });
  const t0 = Date.now();
  await assert.rejects(client.getAction(action.id), (e) => e instanceof sdk.GatekeeperUnreachable && e.status === 503);
  assert.ok(Date.now() - t0 >= 1900, 'waited Retry-After between attempts');
});

test('an answer that is not JSON (not a gatekeeper) is a FarameshError, not a crash', async () => {
  const action = await admin.submitAction(http());
  const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.adminToken });
  proxy.add({ method: 'GET', path: `/v1/actions/${action.id}`, status: 200, body: '<html>login</html>' });
  await assert.rejects(client.getAction(action.id), (e) => e instanceof sdk.FarameshError && /not JSON/.test(e.message) && e.status === 200);
  proxy.add({ method: 'GET', path: `/v1/actions/${action.id}`, status: 502, body: '<html>bad gateway</html>', times: 4 });
  await assert.rejects(new ExecutionGovernorClient(proxy.baseUrl, { token: server.adminToken, retryDelayMs: 5 }).getAction(action.id),
    (e) => e instanceof sdk.GatekeeperUnreachable && e.status === 502);
});

test('redirects are not followed: the token never leaves for another origin', async () => {
  const elsewhere = new FaultProxy(server.baseUrl);
  await elsewhere.listen(PROXY_PORT + 1);
  try {
    const action = await admin.submitAction(http());
    const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.adminToken });
    proxy.add({ method: 'GET', path: `/v1/actions/${action.id}`, status: 307, headers: { location: `${elsewhere.baseUrl}/v1/actions/${action.id}` }, body: {} });
    await assert.rejects(client.getAction(action.id), (e) => e instanceof sdk.FarameshError && e.status === 307);
    proxy.add({ method: 'GET', path: '/v1/events', status: 302, headers: { location: `${elsewhere.baseUrl}/v1/events` }, body: {} });
    await assert.rejects(client.streamEvents({ reconnect: false }).next(), (e) => e instanceof sdk.FarameshError && e.status === 302);
    assert.equal(elsewhere.hits.length, 0);
  } finally {
    await elsewhere.close();
  }
});

test('FARAMESH_BASE_URL and FARAMESH_TOKEN from the real environment of a process', () => {
  const { execFileSync } = require('node:child_process');
  const out = execFileSync(process.execPath, ['-e', `
    const { ExecutionGovernorClient } = require(${JSON.stringify(require.resolve('..'))});
    new ExecutionGovernorClient().submitAction({ tool: 'http', operation: 'get', agentId: 'agent-1' })
      .then((a) => console.log(a.status, a.agent_id), (e) => { console.error(e); process.exit(1); });`],
  { env: { ...process.env, FARAMESH_BASE_URL: server.baseUrl, FARAMESH_TOKEN: server.tokens['agent-1'] }, encoding: 'utf8' });
  assert.equal(out.trim(), 'allowed agent-1');
});

test('timeouts: a slow answer aborts after timeoutMs; a caller signal cancels at once', async () => {
  const action = await admin.submitAction(http());
  const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.adminToken, timeoutMs: 200, retries: 1, retryDelayMs: 10 });
  proxy.add({ method: 'GET', path: `/v1/actions/${action.id}`, delayMs: 1000, times: 2 });
  await assert.rejects(client.getAction(action.id), (e) => e instanceof sdk.GatekeeperUnreachable && /timed out after 200 ms/.test(e.message));
  proxy.add({ method: 'GET', path: `/v1/actions/${action.id}`, delayMs: 1000, times: 1 });
  const controller = new AbortController();
  const reason = new Error('caller gave up');
  setTimeout(() => controller.abort(reason), 50);
  await assert.rejects(client.getAction(action.id, { signal: controller.signal }), (e) => e === reason);
});

test('getAction: by id and by 8-hex prefix; NotFound; AuthError for a bad token', async () => {
  const action = await agent.submitAction(http());
  assert.equal((await agent.getAction(action.id)).id, action.id);
  assert.equal((await admin.getAction(action.id.slice(0, 8))).id, action.id);
  await assert.rejects(agent.getAction('00000000-0000-4000-8000-000000000000'), (e) => e instanceof sdk.NotFound && e.status === 404 && e.code === 'ACTION_NOT_FOUND');
  await assert.rejects(agent.getAction(''), sdk.ValidationError);
  const wrong = new ExecutionGovernorClient(server.baseUrl, { token: 'not-a-real-token' });
  await assert.rejects(wrong.getAction(action.id), (e) => e instanceof sdk.AuthError && e.status === 401);
  const none = new ExecutionGovernorClient(server.baseUrl, { token: null, env: {} });
  await assert.rejects(none.submitAction(http()), (e) => e instanceof sdk.AuthError && e.status === 401);
});

test('listActions: filters, one page with nextCursor; iterateActions walks every page', async () => {
  const pager = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens.pager });
  const mine = [];
  for (let i = 0; i < 7; i++) mine.push((await pager.submitAction({ tool: 'http', operation: 'get', params: { i }, agentId: 'pager' })).id);
  const page = await admin.listActions({ agentId: 'pager', tool: 'http', status: 'allowed', limit: 3 });
  assert.equal(page.length, 3);
  assert.equal(typeof page.nextCursor, 'string');
  assert.ok(page.every((a) => a.agent_id === 'pager' && a.status === 'allowed'));
  // Without X-Next-Cursor the cursor is taken from the Link header.
  proxy.add({ method: 'GET', path: '/v1/actions', stripResponseHeaders: ['x-next-cursor'] });
  const viaLink = await new ExecutionGovernorClient(proxy.baseUrl, { token: server.adminToken }).listActions({ agentId: 'pager', tool: 'http', status: 'allowed', limit: 3 });
  assert.equal(viaLink.nextCursor, page.nextCursor);
  assert.equal(proxy.rules.at(-1).times, 0);
  const second = await admin.listActions({ agentId: 'pager', tool: 'http', status: 'allowed', limit: 3, cursor: page.nextCursor });
  assert.equal(new Set([...page, ...second].map((a) => a.id)).size, 6);
  const all = [];
  for await (const a of admin.iterateActions({ agentId: 'pager', tool: 'http', status: 'allowed', limit: 2 })) all.push(a);
  const ids = all.map((a) => a.id);
  assert.equal(new Set(ids).size, ids.length, 'no action twice');
  for (const id of mine) assert.ok(ids.includes(id));
  const times = all.map((a) => a.created_at);
  assert.deepEqual([...times].sort().reverse(), times, 'newest first');
  const one = await admin.listActions({ agentId: 'pager', limit: 1000 });
  assert.equal(one.length, all.length + one.filter((a) => a.status !== 'allowed' || a.tool !== 'http').length);
  assert.equal(one.nextCursor, null);
  const risky = await admin.listActions({ riskLevel: 'medium', limit: 1000 });
  assert.ok(risky.every((a) => a.risk_level === 'medium'));
  await assert.rejects(admin.listActions({ status: 'finished' }), sdk.ValidationError);
  await assert.rejects(admin.listActions({ limit: 0 }), sdk.ValidationError);
  await assert.rejects(admin.listActions({ cursor: 'garbage' }), (e) => e instanceof sdk.ValidationError && e.status === 422 && e.field === 'cursor');
});

test('getEvents: the hash-chained timeline; NotFound', async () => {
  const action = await agent.submitAction(http());
  const events = await agent.getEvents(action.id);
  assert.deepEqual(events.map((e) => e.event_type), ['created', 'decision_made']);
  assert.equal(events[0].prev_hash, null);
  assert.equal(events[1].prev_hash, events[0].record_hash);
  assert.equal(events[1].meta.request_hash, action.request_hash);
  assert.ok(events[1].seq > events[0].seq);
  await assert.rejects(agent.getEvents('00000000-0000-4000-8000-000000000000'), sdk.NotFound);
});

test('approveAction: approver reads the token itself; second decision is a Conflict; agents cannot approve', async () => {
  const action = await agent.submitAction(shell('ls'));
  await assert.rejects(agent.approveAction(action.id), (e) => e instanceof sdk.AuthError);
  await assert.rejects(agent.approveAction(action.id, { token: 'guess' }), (e) => e instanceof sdk.AuthError && e.status === 403);
  await assert.rejects(approver.approveAction(action.id, { token: 'wrong-token' }), (e) => e instanceof sdk.AuthError && e.code === 'INVALID_APPROVAL_TOKEN');
  const approved = await approver.approveAction(action.id, { reason: 'looks fine' });
  assert.equal(approved.status, 'approved');
  assert.equal(approved.reason, 'looks fine');
  await assert.rejects(approver.approveAction(action.id), (e) => e instanceof sdk.Conflict && e.currentStatus === 'approved');
  const events = await agent.getEvents(action.id);
  const decided = events.find((e) => e.event_type === 'approved');
  assert.equal(decided.actor, 'alice');
  await assert.rejects(approver.approveAction('00000000-0000-4000-8000-000000000000'), sdk.NotFound);
});

test('approveAction: an approver cannot approve what their own token submitted', async () => {
  const own = await approver.submitAction({ ...shell('whoami'), context: { agent_id: 'alice' } });
  await assert.rejects(approver.approveAction(own.id), (e) => e instanceof sdk.AuthError && e.code === 'SELF_APPROVAL_FORBIDDEN');
});

test('denyAction: denied with the reason; explicit token works too', async () => {
  const action = await agent.submitAction(shell('rm -rf /tmp/x'));
  const token = (await admin.getAction(action.id)).approval_token;
  assert.equal(typeof token, 'string');
  const denied = await approver.denyAction(action.id, { token, reason: 'too risky' });
  assert.equal(denied.status, 'denied');
  assert.equal(denied.reason, 'too risky');
  await assert.rejects(approver.denyAction(action.id), sdk.Conflict);
  await assert.rejects(approver.denyAction(action.id, { reason: 42 }), sdk.ValidationError);
});

test('startAction and reportResult: allowed → executing → succeeded / failed; wrong states are Conflicts', async () => {
  const a = await agent.submitAction(http());
  const started = await agent.startAction(a.id);
  assert.equal(started.status, 'executing');
  await assert.rejects(agent.startAction(a.id), (e) => e instanceof sdk.Conflict && e.currentStatus === 'executing');
  const done = await agent.reportResult(a.id, { success: true });
  assert.equal(done.status, 'succeeded');
  await assert.rejects(agent.reportResult(a.id, { success: true }), (e) => e instanceof sdk.Conflict && e.currentStatus === 'succeeded');

  const b = await agent.submitAction(http());
  const failed = await agent.reportResult(b.id, { success: false, error: 'HTTP 500 from upstream' });
  assert.equal(failed.status, 'failed');
  assert.equal(failed.reason, 'HTTP 500 from upstream');
  const types = (await agent.getEvents(b.id)).map((e) => e.event_type);
  assert.deepEqual(types, ['created', 'decision_made', 'failed']);

  const pending = await agent.submitAction(shell());
  await assert.rejects(agent.startAction(pending.id), (e) => e instanceof sdk.Conflict && e.currentStatus === 'pending_approval');
  await assert.rejects(agent.reportResult(pending.id, { success: true }), (e) => e instanceof sdk.Conflict && e.currentStatus === 'pending_approval');
  const denied = await agent.submitAction({ tool: 'ftp', operation: 'put', agentId: 'agent-1' });
  await assert.rejects(agent.startAction(denied.id), (e) => e instanceof sdk.Conflict && e.currentStatus === 'denied');
  await assert.rejects(agent.reportResult(a.id, {}), sdk.ValidationError);
  await assert.rejects(agent.reportResult(a.id, { success: true, error: 5 }), sdk.ValidationError);
  await assert.rejects(agent.startAction('00000000-0000-4000-8000-000000000000'), sdk.NotFound);
});

test('startAction / reportResult retried after a lost answer: the earlier attempt counts, no spurious Conflict', async () => {
  const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.tokens['agent-1'], retryDelayMs: 10 });
  const a = await client.submitAction(http());
  proxy.add({ method: 'POST', path: `/v1/actions/${a.id}/start`, dropAfterForward: true });
  assert.equal((await client.startAction(a.id)).status, 'executing');
  proxy.add({ method: 'POST', path: `/v1/actions/${a.id}/result`, dropAfterForward: true });
  assert.equal((await client.reportResult(a.id, { success: true })).status, 'succeeded');
  assert.equal(proxy.count('POST', `/v1/actions/${a.id}/start`), 2);
});

test('gateDecide: decides without storing; same request_hash as computeRequestHash', async () => {
  const before = (await admin.listActions({ limit: 1000 })).length;
  const allow = await agent.gateDecide(http());
  assert.equal(allow.outcome, 'EXECUTE');
  assert.equal(allow.request_hash, computeRequestHash({ ...http(), agent_id: 'agent-1' }));
  const deny = await agent.gateDecide({ tool: 'db', operation: 'drop', agentId: 'agent-1' });
  assert.equal(deny.outcome, 'HALT');
  const hold = await agent.gateDecide(shell());
  assert.equal(hold.outcome, 'ABSTAIN');
  assert.equal((await admin.listActions({ limit: 1000 })).length, before);
  await assert.rejects(agent.gateDecide({ tool: 'http', agentId: 'agent-1' }), sdk.ValidationError);
});

test('replayDecision: the stored decision replays identically (by id and by object)', async () => {
  const action = await agent.submitAction(http({ params: { url: 'https://replay.example', f: 0.1 } }));
  const byId = await agent.replayDecision(action.id);
  assert.equal(byId.success, true, JSON.stringify(byId.mismatches));
  assert.equal(byId.request_hash_match, true);
  const byObject = await agent.replayDecision(await agent.getAction(action.id));
  assert.equal(byObject.success, true);
  const tampered = await agent.replayDecision({ ...action, params: { url: 'https://other.example' } });
  assert.equal(tampered.success, false);
  assert.deepEqual(tampered.mismatches.map((m) => m.field), ['request_hash']);
  await assert.rejects(agent.replayDecision('00000000-0000-4000-8000-000000000000'), sdk.NotFound);
});

test('replayAction: a new action with the same payload and context.replayed_from; only from allowed/approved/succeeded', async () => {
  const original = await agent.submitAction(http({ params: { url: 'https://again.example' }, context: { run: 1 } }));
  const replay = await agent.replayAction(original.id);
  assert.notEqual(replay.id, original.id);
  assert.deepEqual(replay.params, original.params);
  assert.deepEqual(replay.context, { run: 1, replayed_from: original.id, replay: true });
  assert.equal(replay.status, 'allowed');
  const pending = await agent.submitAction(shell());
  await assert.rejects(agent.replayAction(pending.id), (e) => e instanceof sdk.Conflict && e.currentStatus === 'pending_approval');
});

test('ESM and CommonJS entries are the same objects', async () => {
  const esm = await import('../index.mjs');
  assert.equal(esm.ExecutionGovernorClient, ExecutionGovernorClient);
  assert.equal(esm.default, sdk);
  assert.equal(esm.ActionDenied, sdk.ActionDenied);
});
