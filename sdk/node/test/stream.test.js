'use strict';

// Live events and waits against a real server: SSE over fetch, filters, Last-Event-ID resume,
// waits unblocked by approvals made over the API, polling fallback.

const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const { FaultProxy } = require('./support/proxy');
const sdk = require('..');

const { ExecutionGovernorClient } = sdk;
const PORT = 18812;
const PROXY_PORT = 18822;

let server;
let agent;
let approver;
let proxy;

test.before(async () => {
  server = await startServer({ port: PORT, tokens: { 'agent-1': 'agent', 'agent-2': 'agent', bob: 'approver' } });
  agent = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens['agent-1'] });
  approver = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens.bob });
  proxy = await new FaultProxy(server.baseUrl).listen(PROXY_PORT);
});

test.after(async () => {
  if (proxy) await proxy.close();
  if (server) await server.stop();
});

const shell = (cmd, agentId = 'agent-1') => ({ tool: 'shell', operation: 'run', params: { cmd }, agentId });

/** Opens a stream and collects `count` events (the stream is aborted after `deadlineMs` at the latest). */
async function take(client, options, count, deadlineMs = 10_000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  const out = [];
  try {
    for await (const event of client.streamEvents({ ...options, signal: controller.signal })) {
      out.push(event);
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

test('streamEvents: one action, every event in order with seq ids', async () => {
  const action = await agent.submitAction(shell('echo 1'));
  const pending = take(agent, { actionId: action.id, lastEventId: 0 }, 4);
  await approver.approveAction(action.id);
  await agent.startAction(action.id);
  const events = await pending;
  assert.deepEqual(events.map((e) => e.data.event_type), ['created', 'decision_made', 'approved', 'started']);
  assert.deepEqual(events.map((e) => e.type), ['action.created', 'action.decision_made', 'action.approved', 'action.started']);
  assert.ok(events.every((e) => e.data.id === action.id));
  const seqs = events.map((e) => Number(e.id));
  assert.deepEqual(seqs, events.map((e) => e.data.seq));
  assert.deepEqual([...seqs].sort((a, b) => a - b), seqs);
  assert.equal(events[2].data.status, 'approved');
  assert.equal(events[2].data.actor, 'bob');
  assert.equal(JSON.stringify(events).includes('approval_token'), false);
});

test('streamEvents: filters by agent, tool and event type (arrays allowed)', async () => {
  // Start after the newest event so far (whenever the stream connects, it catches up from there).
  const marker = await agent.submitAction({ tool: 'http', operation: 'get', agentId: 'agent-1' });
  const after = (await agent.getEvents(marker.id)).at(-1).seq;
  // An approver sees every agent's events; the filters keep agent-2's http decisions and successes.
  const pending = take(approver, { agentId: ['agent-2'], tool: 'http', eventType: ['decision_made', 'succeeded'], lastEventId: after }, 2);
  const other = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens['agent-2'] });
  await agent.submitAction({ tool: 'http', operation: 'get', agentId: 'agent-1' });
  const a = await other.submitAction({ tool: 'http', operation: 'get', agentId: 'agent-2' });
  await other.reportResult(a.id, { success: true });
  const events = await pending;
  assert.deepEqual(events.map((e) => [e.data.agent_id, e.data.tool, e.data.event_type]),
    [['agent-2', 'http', 'decision_made'], ['agent-2', 'http', 'succeeded']]);
  await assert.rejects(take(agent, { status: 'nonsense', reconnect: false }, 1), (e) => e instanceof sdk.ValidationError && e.status === 422);
  await assert.rejects(agent.streamEvents({ tool: 'a,b' }).next(), sdk.ValidationError);
});

test('streamEvents: resume from lastEventId gets exactly the events after it', async () => {
  const a = await agent.submitAction(shell('echo resume'));
  const first = await take(agent, { actionId: a.id, lastEventId: 0 }, 2);
  await approver.denyAction(a.id, { reason: 'no' });
  const rest = await take(agent, { actionId: a.id, lastEventId: first[1].id }, 1);
  assert.deepEqual(rest.map((e) => e.data.event_type), ['denied']);
  assert.ok(Number(rest[0].id) > Number(first[1].id));
});

test('streamEvents: a dropped connection reconnects with Last-Event-ID, no event lost or repeated', async () => {
  const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.tokens['agent-1'], retryDelayMs: 10 });
  const a = await client.submitAction(shell('echo drop'));
  proxy.add({ method: 'GET', path: '/v1/events', cutAfterFrames: 1, times: 1 });
  const before = proxy.count('GET', '/v1/events');
  const pending = take(client, { actionId: a.id, lastEventId: 0 }, 3);
  await new Promise((r) => setTimeout(r, 300));
  await approver.approveAction(a.id);
  const events = await pending;
  assert.deepEqual(events.map((e) => e.data.event_type), ['created', 'decision_made', 'approved']);
  const reconnects = proxy.hits.slice(before).filter((h) => h.path.startsWith('/v1/events'));
  assert.ok(reconnects.length >= 2, 'reconnected');
  // The reconnect resumes after the last event delivered before the cut (the approval came later).
  const resumedAfter = reconnects[1].headers['last-event-id'];
  assert.ok([events[0].id, events[1].id].includes(resumedAfter), `resumed after ${resumedAfter}`);
  const seqs = events.map((e) => Number(e.id));
  assert.deepEqual([...new Set(seqs)].sort((x, y) => x - y), seqs, 'in order, none repeated');
});

test('waitForDecision over SSE is unblocked by an approval made over the API', async () => {
  const a = await agent.submitAction(shell('echo wait'));
  const started = Date.now();
  const waiting = agent.waitForDecision(a.id, { timeoutMs: 20_000, pollIntervalMs: 60_000 });
  await new Promise((r) => setTimeout(r, 500));
  const approvedAt = Date.now();
  await approver.approveAction(a.id, { reason: 'go' });
  const decided = await waiting;
  assert.equal(decided.status, 'approved');
  // pollIntervalMs is a minute: only the event stream can have woken the wait this early.
  assert.ok(Date.now() - started < 10_000);
  assert.ok(Date.now() >= approvedAt);
});

test('waitForDecision survives a dropped event stream: it reconnects and still wakes on the approval', async () => {
  const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.tokens['agent-1'], retryDelayMs: 10 });
  const a = await client.submitAction(shell('echo reconnect'));
  const before = proxy.count('GET', '/v1/events');
  proxy.add({ method: 'GET', path: '/v1/events', cutAfterMs: 150, times: 1 });
  const waiting = client.waitForDecision(a.id, { timeoutMs: 20_000, pollIntervalMs: 60_000 });
  await new Promise((r) => setTimeout(r, 800));
  await approver.approveAction(a.id);
  assert.equal((await waiting).status, 'approved');
  assert.ok(proxy.count('GET', '/v1/events') - before >= 2, 'opened a second stream after the first was cut');
});

test('waitForCompletion over SSE: unblocked by a denial, and by a reported result', async () => {
  const a = await agent.submitAction(shell('echo complete'));
  const waiting = agent.waitForCompletion(a.id, { timeoutMs: 20_000, pollIntervalMs: 60_000 });
  await new Promise((r) => setTimeout(r, 300));
  await approver.denyAction(a.id);
  assert.equal((await waiting).status, 'denied');

  const b = await agent.submitAction({ tool: 'http', operation: 'get', agentId: 'agent-1' });
  await agent.startAction(b.id);
  const running = agent.waitForCompletion(b.id.slice(0, 8), { timeoutMs: 20_000, pollIntervalMs: 60_000 });
  await new Promise((r) => setTimeout(r, 300));
  await agent.reportResult(b.id, { success: false, error: 'boom' });
  const done = await running;
  assert.equal(done.status, 'failed');
  assert.equal(done.id, b.id);
});

test('waitForDecision polls when SSE is off, and when the server has no event stream', async () => {
  const a = await agent.submitAction(shell('echo poll'));
  const waiting = agent.waitForDecision(a.id, { timeoutMs: 20_000, pollIntervalMs: 100, sse: false });
  await new Promise((r) => setTimeout(r, 300));
  await approver.approveAction(a.id);
  assert.equal((await waiting).status, 'approved');

  const client = new ExecutionGovernorClient(proxy.baseUrl, { token: server.tokens['agent-1'] });
  const b = await client.submitAction(shell('echo nostream'));
  proxy.add({ method: 'GET', path: '/v1/events', status: 404, body: { detail: 'Not found', code: 'NOT_FOUND' }, times: 5 });
  const fallback = client.waitForDecision(b.id, { timeoutMs: 20_000, pollIntervalMs: 100 });
  await new Promise((r) => setTimeout(r, 300));
  await approver.denyAction(b.id);
  assert.equal((await fallback).status, 'denied');
});

test('waits are bounded: ActionPending with the last status; a caller signal cancels', async () => {
  const a = await agent.submitAction(shell('echo nobody'));
  await assert.rejects(agent.waitForDecision(a.id, { timeoutMs: 500 }),
    (e) => e instanceof sdk.ActionPending && e.currentStatus === 'pending_approval' && e.action.id === a.id);
  const controller = new AbortController();
  const reason = new Error('stop waiting');
  setTimeout(() => controller.abort(reason), 200);
  await assert.rejects(agent.waitForCompletion(a.id, { timeoutMs: 10_000, signal: controller.signal }), (e) => e === reason);
  await assert.rejects(agent.waitForDecision('00000000-0000-4000-8000-000000000000', { timeoutMs: 2_000 }), sdk.NotFound);
});
