'use strict';

// governed()/govern(): the one lifecycle, against a real server; fail closed when it is down.

const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer, portFree } = require('./support/server');
const sdk = require('..');

const { ExecutionGovernorClient } = sdk;
const PORT = 18813;
const DEAD_PORT = 18898;

let server;
let agent;
let approver;

test.before(async () => {
  server = await startServer({ port: PORT, tokens: { 'agent-1': 'agent', carol: 'approver' } });
  agent = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens['agent-1'], agentId: 'agent-1' });
  approver = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens.carol });
});

test.after(async () => {
  if (server) await server.stop();
});

/** Approves (or denies) the newest pending action of `tool` once it appears. */
async function decideWhenPending(tool, approve) {
  const admin = new ExecutionGovernorClient(server.baseUrl, { token: server.adminToken });
  for (let i = 0; i < 100; i++) {
    const [pending] = await admin.listActions({ tool, status: 'pending_approval', limit: 1 });
    if (pending) return approve ? approver.approveAction(pending.id) : approver.denyAction(pending.id, { reason: 'not today' });
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no pending action appeared');
}

test('allowed: start, run once, report success; the result is returned', async () => {
  let runs = 0;
  const fetchPage = agent.governed({ tool: 'http', operation: 'get' }, async (params, { action }) => {
    runs++;
    assert.equal(action.status, 'executing');
    return `fetched ${params.url}`;
  });
  assert.equal(await fetchPage({ url: 'https://example.com' }), 'fetched https://example.com');
  assert.equal(runs, 1);
  const [latest] = await agent.listActions({ agentId: 'agent-1', tool: 'http', limit: 1 });
  assert.equal(latest.status, 'succeeded');
  assert.deepEqual((await agent.getEvents(latest.id)).map((e) => e.event_type), ['created', 'decision_made', 'started', 'succeeded']);
});

test('denied: throws ActionDenied with the reason and never runs', async () => {
  let runs = 0;
  const pay = agent.governed({ tool: 'stripe', operation: 'refund' }, () => { runs++; });
  await assert.rejects(pay({ amount: 10 }), (e) => e instanceof sdk.ActionDenied && e.reason === 'Default deny rule' && e.reasonCode === 'POLICY_DENY' && e.action.status === 'denied');
  assert.equal(runs, 0);
});

test('pending then approved over the API: runs after the approval, reports success', async () => {
  let runs = 0;
  const run = agent.governed('shell', (params) => { runs++; return params.cmd.toUpperCase(); });
  const [result] = await Promise.all([run({ cmd: 'echo approved' }), decideWhenPending('shell', true)]);
  assert.equal(result, 'ECHO APPROVED');
  assert.equal(runs, 1);
  const [latest] = await agent.listActions({ tool: 'shell', limit: 1 });
  assert.equal(latest.status, 'succeeded');
  assert.deepEqual((await agent.getEvents(latest.id)).map((e) => e.event_type), ['created', 'decision_made', 'approved', 'started', 'succeeded']);
});

test('pending then denied by a human: ActionDenied, never runs', async () => {
  let runs = 0;
  const run = agent.governed({ tool: 'shell' }, () => { runs++; });
  const outcome = Promise.allSettled([run({ cmd: 'rm -rf /' }), decideWhenPending('shell', false)]);
  const [governed] = await outcome;
  assert.equal(governed.status, 'rejected');
  assert.ok(governed.reason instanceof sdk.ActionDenied);
  assert.equal(governed.reason.reason, 'not today');
  assert.equal(runs, 0);
});

test('pending past the wait bound: ActionPending, never runs, the action stays pending', async () => {
  let runs = 0;
  const run = agent.governed({ tool: 'shell', waitTimeoutMs: 400 }, () => { runs++; });
  const error = await run({ cmd: 'echo nobody-answers' }).catch((e) => e);
  assert.ok(error instanceof sdk.ActionPending, String(error));
  assert.equal(runs, 0);
  assert.equal((await agent.getAction(error.action.id)).status, 'pending_approval');
});

test('pending until the approval expires: ApprovalExpired, never runs', async () => {
  let runs = 0;
  const run = agent.governed({ tool: 'ephemeral', waitTimeoutMs: 30_000 }, () => { runs++; });
  const error = await run({}).catch((e) => e);
  assert.ok(error instanceof sdk.ApprovalExpired, String(error));
  assert.equal(runs, 0);
  assert.equal(error.action.status, 'expired');
});

test('the function throws: failure reported with its message, the error rethrown', async () => {
  const boom = new Error('disk full');
  const run = agent.governed({ tool: 'http', operation: 'get' }, () => { throw boom; });
  await assert.rejects(run({ url: 'https://fail.example' }), (e) => e === boom);
  const [latest] = await agent.listActions({ tool: 'http', limit: 1 });
  assert.equal(latest.status, 'failed');
  assert.equal(latest.reason, 'disk full');
});

test('govern(): the one-shot form with an explicit agent id and idempotency key', async () => {
  const key = `govern-${Date.now()}`;
  const value = await agent.govern({ tool: 'http', operation: 'get', params: { url: 'https://x.example' }, agentId: 'agent-1', idempotencyKey: key, run: (a) => a.id });
  assert.equal((await agent.getAction(value)).status, 'succeeded');
  await assert.rejects(agent.govern({ tool: 'http', operation: 'get' }), sdk.ValidationError);
  assert.throws(() => agent.governed({}, () => 1), sdk.ValidationError);
});

test('server down: every call fails closed with GatekeeperUnreachable; governed never runs', async () => {
  assert.equal(await portFree(DEAD_PORT), true);
  const warnings = [];
  const down = new ExecutionGovernorClient(`http://127.0.0.1:${DEAD_PORT}`, { token: 't', retries: 1, retryDelayMs: 10, agentId: 'agent-1', logger: { warn: (m) => warnings.push(m) } });
  const calls = [
    () => down.submitAction({ tool: 'http', operation: 'get' }),
    () => down.getAction('00000000-0000-4000-8000-000000000000'),
    () => down.listActions(),
    () => down.getEvents('00000000-0000-4000-8000-000000000000'),
    () => down.approveAction('00000000-0000-4000-8000-000000000000', { token: 'x' }),
    () => down.denyAction('00000000-0000-4000-8000-000000000000', { token: 'x' }),
    () => down.startAction('00000000-0000-4000-8000-000000000000'),
    () => down.reportResult('00000000-0000-4000-8000-000000000000', { success: true }),
    () => down.gateDecide({ tool: 'http', operation: 'get' }),
    () => down.replayDecision('00000000-0000-4000-8000-000000000000'),
    () => down.waitForCompletion('00000000-0000-4000-8000-000000000000', { timeoutMs: 5_000 }),
    () => down.streamEvents().next(),
  ];
  for (const call of calls) {
    await assert.rejects(call(), (e) => e instanceof sdk.GatekeeperUnreachable && /ECONNREFUSED/.test(e.message), call.toString());
  }
  let runs = 0;
  await assert.rejects(down.governed('http', () => { runs++; })({ url: 'x' }), sdk.GatekeeperUnreachable);
  assert.equal(runs, 0);
  assert.deepEqual(warnings, []);
});

test('failOpen (opt-in): lets calls through when unreachable, with one warning per call; never on a deny', async () => {
  const warnings = [];
  const logger = { warn: (m) => warnings.push(m) };
  const down = new ExecutionGovernorClient(`http://127.0.0.1:${DEAD_PORT}`, { token: 't', retries: 0, failOpen: true, agentId: 'agent-1', logger });
  let runs = 0;
  const run = down.governed('shell', (params) => { runs++; return params.cmd; });
  assert.equal(await run({ cmd: 'one' }), 'one');
  assert.equal(await run({ cmd: 'two' }), 'two');
  assert.equal(runs, 2);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /failOpen: submit shell\.run for agent agent-1 let through/);
  const decision = await down.gateDecide({ tool: 'http', operation: 'get' });
  assert.equal(decision.fail_open, true);
  assert.equal(warnings.length, 3);
  // Reachable server: failOpen changes nothing, a deny still throws and never runs.
  const open = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens['agent-1'], failOpen: true, agentId: 'agent-1', logger });
  await assert.rejects(open.governed('stripe', () => { runs++; })({}), sdk.ActionDenied);
  assert.equal(runs, 2);
  assert.equal(warnings.length, 3);
  // Auth errors are not "unreachable": no fail-open either.
  const badToken = new ExecutionGovernorClient(server.baseUrl, { token: 'wrong', failOpen: true, agentId: 'agent-1', logger });
  await assert.rejects(badToken.governed('http', () => { runs++; })({}), sdk.AuthError);
  assert.equal(runs, 2);
});
