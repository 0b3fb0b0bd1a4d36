'use strict';

// Node SDK benchmark against a real `faramesh serve` (FARAMESH_BIN), run by scripts/bench-node-sdk.sh:
// 1. allow path per call, submit + start + result, sequential: the SDK's three calls, governed()
//    (the same three plus its bookkeeping) and the same three requests with bare fetch (the floor);
//    the difference is what the SDK adds per call.
// 2. approval unblock latency: from sending the approval to waitForDecision resolving (SSE), and
//    the same with polling only.

const { performance } = require('node:perf_hooks');
const { fork } = require('node:child_process');
const path = require('node:path');
const { startServer } = require('../test/support/server');
const { ExecutionGovernorClient } = require('..');

const PORT = Number(process.env.FARAMESH_BENCH_PORT || 18831);
const CALLS = Number(process.env.FARAMESH_BENCH_CALLS || 1000);
const APPROVALS = Number(process.env.FARAMESH_BENCH_APPROVALS || 50);
const CANNED_PORT = PORT + 1;

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, p50: q(50), p90: q(90), p99: q(99), max: s[s.length - 1], mean };
}

function line(name, st) {
  const f = (x) => x.toFixed(3).padStart(8);
  return `${name.padEnd(38)} n=${String(st.n).padStart(4)}  p50 ${f(st.p50)} ms  p90 ${f(st.p90)} ms  p99 ${f(st.p99)} ms  max ${f(st.max)} ms  mean ${f(st.mean)} ms`;
}

async function measure(n, fn) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

async function allowPath(label, baseUrl, token) {
  const agent = new ExecutionGovernorClient(baseUrl, { token, agentId: 'bench-agent' });
  const request = { tool: 'http', operation: 'get', params: { url: 'https://example.com/bench', n: 1 } };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' };
  const body = JSON.stringify({ agent_id: 'bench-agent', ...request });
  const bare = async () => {
    const submit = await fetch(`${baseUrl}/v1/actions`, { method: 'POST', headers: { ...headers, 'idempotency-key': crypto.randomUUID() }, body });
    const { id } = await submit.json();
    await (await fetch(`${baseUrl}/v1/actions/${id}/start`, { method: 'POST', headers, body: '{}' })).json();
    const done = await (await fetch(`${baseUrl}/v1/actions/${id}/result`, { method: 'POST', headers, body: '{"success":true}' })).json();
    if (done.status !== 'succeeded') throw new Error(`bare: ${done.status}`);
  };
  const sdkCalls = async () => {
    const action = await agent.submitAction(request);
    await agent.startAction(action.id);
    const done = await agent.reportResult(action.id, { success: true });
    if (done.status !== 'succeeded') throw new Error(`sdk: ${done.status}`);
  };
  const noop = agent.governed({ tool: 'http', operation: 'get' }, () => 'ok');
  const governed = async () => {
    if ((await noop(request.params)) !== 'ok') throw new Error('governed');
  };
  // Warm-up: connections, JIT, the server's caches.
  for (let i = 0; i < 100; i++) { await bare(); await sdkCalls(); await governed(); }
  // Interleaved rounds so drift in the server (database growth) hits all three alike.
  const samples = { bare: [], sdk: [], governed: [] };
  for (let i = 0; i < CALLS; i++) {
    for (const [name, fn] of [['bare', bare], ['sdk', sdkCalls], ['governed', governed]]) {
      const t0 = performance.now();
      await fn();
      samples[name].push(performance.now() - t0);
    }
  }
  const b = stats(samples.bare);
  const s = stats(samples.sdk);
  const g = stats(samples.governed);
  console.log(`allow path, submit + start + result, ${CALLS} sequential calls each, ${label}:`);
  console.log(line('bare fetch, same 3 requests (floor)', b));
  console.log(line('SDK submit + start + result calls', s));
  console.log(line('SDK governed(tool, fn)', g));
  console.log(`SDK overhead per call vs bare fetch: p50 ${(s.p50 - b.p50).toFixed(3)} ms, p99 ${(s.p99 - b.p99).toFixed(3)} ms (governed: p50 ${(g.p50 - b.p50).toFixed(3)} ms, p99 ${(g.p99 - b.p99).toFixed(3)} ms)`);
}

async function main() {
  const server = await startServer({ port: PORT, tokens: { 'bench-agent': 'agent', 'bench-approver': 'approver' } });
  try {
    await allowPath(`real server (${process.env.FARAMESH_BIN})`, server.baseUrl, server.tokens['bench-agent']);
    const canned = fork(path.join(__dirname, 'canned-server.js'), [String(CANNED_PORT)]);
    await new Promise((resolve) => canned.once('message', resolve));
    try {
      await allowPath('canned-answer loopback server (client side alone)', `http://127.0.0.1:${CANNED_PORT}`, 'canned-token');
    } finally {
      canned.kill();
    }
    const agent = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens['bench-agent'], agentId: 'bench-agent' });
    const approver = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens['bench-approver'] });
    const admin = new ExecutionGovernorClient(server.baseUrl, { token: server.adminToken });

    // Approval unblock latency.
    const unblock = async (sse) => {
      const out = [];
      for (let i = 0; i < APPROVALS; i++) {
        const action = await agent.submitAction({ tool: 'shell', operation: 'run', params: { cmd: `echo ${i}` } });
        const token = (await admin.getAction(action.id)).approval_token;
        let resolvedAt = 0;
        const waiting = agent.waitForDecision(action.id, { timeoutMs: 30_000, sse, pollIntervalMs: 1000 }).then((a) => {
          resolvedAt = performance.now();
          return a;
        });
        await new Promise((r) => setTimeout(r, 50 + (i % 7) * 13));
        const t0 = performance.now();
        await approver.approveAction(action.id, { token });
        const decided = await waiting;
        if (decided.status !== 'approved') throw new Error(decided.status);
        out.push(resolvedAt - t0);
      }
      return stats(out);
    };
    console.log(`approval unblock latency, approval POST sent → waitForDecision resolved, ${APPROVALS} approvals each:`);
    console.log(line('SSE (event stream)', await unblock(true)));
    console.log(line('polling only (pollIntervalMs 1000)', await unblock(false)));
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
