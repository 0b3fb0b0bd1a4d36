'use strict';

// computeRequestHash against the live server on generated values: random doubles over every
// magnitude, short decimals, unsafe integers as Number and as BigInt, astral and control
// characters, keys that sort differently in UTF-16 and code-point order.

const test = require('node:test');
const assert = require('node:assert/strict');
const { startServer } = require('./support/server');
const { ExecutionGovernorClient, computeRequestHash, verifyRequestHash } = require('..');

const PORT = 18814;
const SEED = Number(process.env.FARAMESH_HASH_SEED || 20261203);

let server;
let client;

test.before(async () => {
  server = await startServer({ port: PORT, tokens: { gen: 'agent' } });
  client = new ExecutionGovernorClient(server.baseUrl, { token: server.tokens.gen, agentId: 'gen' });
});

test.after(async () => {
  if (server) await server.stop();
});

/** xorshift128+ so every run (and a failing seed) is reproducible. */
function rng(seed) {
  let a = BigInt(seed) | 1n;
  let b = 0x9e3779b97f4a7c15n;
  const mask = (1n << 64n) - 1n;
  return function next64() {
    let x = a;
    const y = b;
    a = y;
    x ^= (x << 23n) & mask;
    b = x ^ y ^ (x >> 17n) ^ (y >> 26n);
    return (b + y) & mask;
  };
}

function generator(seed) {
  const next64 = rng(seed);
  const int = (n) => Number(next64() % BigInt(n));
  const view = new DataView(new ArrayBuffer(8));
  const double = () => {
    for (;;) {
      view.setBigUint64(0, next64());
      const d = view.getFloat64(0);
      if (Number.isFinite(d)) return d;
    }
  };
  const decimal = () => Number(((int(2e6) - 1e6) / 10 ** int(10)).toFixed(int(10))) * 10 ** (int(61) - 30);
  const bigint = () => {
    const digits = 17 + int(60);
    let s = String(1 + int(9));
    for (let i = 1; i < digits; i++) s += String(int(10));
    return (int(2) ? -1n : 1n) * BigInt(s);
  };
  const unsafeNumber = () => (int(2) ? -1 : 1) * (2 ** 53 + int(2 ** 30)) * 2 ** int(40);
  const POOL = ['a', 'Z', '_', ' ', 'é', '中', '\u2028', '\u007f', '\u0000', '\u001f', '\n', '"', '\\', '\uff61', '\ue000', '\ud7ff', '\u{1F600}', '\u{10FFFF}', '\u{1D11E}'];
  const string = (max = 12) => {
    let s = '';
    const n = int(max);
    for (let i = 0; i < n; i++) s += POOL[int(POOL.length)];
    return s;
  };
  const scalar = () => {
    switch (int(8)) {
      case 0: return double();
      case 1: return decimal();
      case 2: return bigint();
      case 3: return unsafeNumber();
      case 4: return int(2 ** 31) - 2 ** 30;
      case 5: return string();
      case 6: return [true, false, null][int(3)];
      default: return int(2) ? 0.1 * int(1000) : -0;
    }
  };
  const value = (depth) => {
    if (depth > 3 || int(3) > 0) return scalar();
    if (int(2)) return Array.from({ length: int(6) }, () => value(depth + 1));
    const o = {};
    for (let i = int(6); i > 0; i--) o[string(6)] = value(depth + 1);
    return o;
  };
  return { value, double, decimal, bigint, unsafeNumber, string };
}

test(`generated payloads: gate/decide request_hash equals computeRequestHash (seed ${SEED})`, async () => {
  const g = generator(SEED);
  for (let i = 0; i < 120; i++) {
    const params = {
      doubles: Array.from({ length: 40 }, g.double),
      decimals: Array.from({ length: 20 }, g.decimal),
      bigints: Array.from({ length: 10 }, g.bigint),
      unsafe: Array.from({ length: 10 }, g.unsafeNumber),
      nested: g.value(0),
    };
    for (let k = 0; k < 8; k++) params[g.string(5)] = g.value(1);
    const context = { note: g.string(20), [g.string(4)]: g.value(2) };
    const request = { tool: 'http', operation: 'get', params, context };
    const decision = await client.gateDecide(request);
    assert.equal(decision.request_hash, computeRequestHash({ ...request, agent_id: 'gen' }), `payload ${i} (seed ${SEED})`);
  }
});

test('stored actions read back (BigInt-exact) verify against their request_hash', async () => {
  const g = generator(SEED + 1);
  for (let i = 0; i < 20; i++) {
    const request = { tool: 'http', operation: 'get', params: { big: g.bigint(), d: g.double(), s: g.string(), n: g.value(0) } };
    const action = await client.submitAction(request);
    const read = await client.getAction(action.id);
    assert.equal(read.request_hash, computeRequestHash({ ...request, agent_id: 'gen' }));
    assert.equal(verifyRequestHash(read), true, `action ${i}`);
    assert.equal(read.params.big, request.params.big);
  }
});

test('explicit edge values agree with the server', async () => {
  const edges = [1.5e-7, 2.5e-10, 1e-7, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e21, 1e22, 9007199254740993n,
    2 ** 53, 2 ** 53 + 2, 2 ** 64, -(2 ** 63), 2n ** 63n, -(2n ** 63n) - 1n, 10n ** 4000n, 0.1 + 0.2, 1 / 3, -0, 100.0, 123e-20];
  for (const x of edges) {
    const request = { tool: 'http', operation: 'get', params: { x } };
    const decision = await client.gateDecide(request);
    assert.equal(decision.request_hash, computeRequestHash({ ...request, agent_id: 'gen' }), String(x));
  }
});
