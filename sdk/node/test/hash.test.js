'use strict';

// Canonical JSON and request_hash without a server: the 54 vectors of the published client
// (Tests/FarameshCoreTests/Fixtures/hash-vectors.json, the same ones the Swift server is tested on)
// and the rules the SDK adds for JavaScript values.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { canonicalize, computeRequestHash, verifyRequestHash, parseJSON, ValidationError } = require('..');

const VECTORS = path.join(__dirname, '..', '..', '..', 'Tests', 'FarameshCoreTests', 'Fixtures', 'hash-vectors.json');

test('the 54 published vectors: canonical text and request_hash', () => {
  const { vectors } = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));
  assert.equal(vectors.length, 54);
  for (const v of vectors) {
    const payload = parseJSON(v.json);
    assert.equal(canonicalize(payload), v.canonical, v.name);
    assert.equal(computeRequestHash(payload), v.request_hash, v.name);
  }
});

test('plain JSON.parse loses the vectors with integers beyond 2^53 (why parseJSON exists)', () => {
  const { vectors } = JSON.parse(fs.readFileSync(VECTORS, 'utf8'));
  const lossy = vectors.filter((v) => computeRequestHash(JSON.parse(v.json)) !== v.request_hash).map((v) => v.name);
  assert.deepEqual(lossy.sort(), ['int-2^70', 'int-64-bit-limits', 'int-beyond-64-bit', 'int-huge'].sort());
});

test('numbers: the floats the original Node SDK got wrong, and positional forms', () => {
  const cases = [
    [1.5e-7, '0.00000015'], [2.5e-10, '0.00000000025'], [1e-7, '0.0000001'], [1e21, '1000000000000000000000'],
    [1.5e300, '15' + '0'.repeat(299)], [-0, '0'], [0.1, '0.1'], [100, '100'], [-7, '-7'], [123456789.123, '123456789.123'],
    [5e-324, '0.' + '0'.repeat(323) + '5'], [2 ** 60, '1152921504606847000'], [-1.25e-5, '-0.0000125'],
    [1.7976931348623157e308, '17976931348623157' + '0'.repeat(292)],
  ];
  for (const [value, text] of cases) assert.equal(canonicalize(value), text, String(value));
});

test('BigInt is exact at any size; safe and unsafe integers agree with their digits', () => {
  assert.equal(canonicalize(2n ** 70n), '1180591620717411303424');
  assert.equal(canonicalize(-(10n ** 99n)), '-1' + '0'.repeat(99));
  assert.equal(canonicalize({ a: 9007199254740993n }), '{"a":9007199254740993}');
  assert.equal(canonicalize(42n), canonicalize(42));
});

test('keys sort by code point, not by UTF-16 unit', () => {
  // U+FF61 is one UTF-16 unit above the surrogates of U+1F600, but a smaller code point.
  assert.equal(canonicalize({ '\u{1F600}': 1, '\uFF61': 2, '\uE000': 3, b: 4, a: 5 }), '{"a":5,"b":4,"\uE000":3,"\uFF61":2,"\u{1F600}":1}');
});

test('strings: escapes exactly as the server writes them', () => {
  assert.equal(canonicalize('\u0000\u0007\b\t\n\u000b\f\r\u001f"\\ \u007f\u2028é🚀'), '"\\u0000\\u0007\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\ \u007f\u2028é🚀"');
});

test('values JSON cannot carry are refused with ValidationError before anything is sent', () => {
  for (const bad of [NaN, Infinity, -Infinity, '\ud800', 'x\udc00y', new Map(), new Set([1]), new Uint8Array(2)]) {
    assert.throws(() => canonicalize({ v: bad }), ValidationError, String(bad));
    assert.throws(() => canonicalize([bad]), ValidationError, String(bad));
  }
  const cycle = { a: 1 };
  cycle.self = cycle;
  assert.throws(() => canonicalize(cycle), (e) => e instanceof ValidationError && /circular/.test(e.message));
  assert.throws(() => canonicalize(undefined), ValidationError);
});

test('undefined, functions and symbols follow JSON.stringify: dropped in objects, null in arrays', () => {
  assert.equal(canonicalize({ a: undefined, b: () => 1, c: Symbol('x'), d: 1 }), '{"d":1}');
  assert.equal(canonicalize([undefined, () => 1, 2]), '[null,null,2]');
  assert.equal(canonicalize({ when: new Date(0) }), '{"when":"1970-01-01T00:00:00.000Z"}');
});

test('computeRequestHash: the five members, context null as {}, identifiers trimmed like the server', () => {
  const a = computeRequestHash({ agent_id: ' a\u00a0', tool: 'http', operation: 'get', params: { u: 1 }, context: null });
  const b = computeRequestHash({ agentId: 'a', tool: 'http', operation: 'get', params: { u: 1 }, context: {}, status: 'ignored' });
  assert.equal(a, b);
  const action = { agent_id: 'a', tool: 'http', operation: 'get', params: { u: 1 }, context: {}, request_hash: a };
  assert.equal(verifyRequestHash(action), true);
  assert.equal(verifyRequestHash({ ...action, params: { u: 2 } }), false);
});

test('parseJSON: BigInt only where Number would round; everything else as JSON.parse', () => {
  const text = '{"safe": 9007199254740991, "big": 9007199254740993, "neg": -9223372036854775808, "f": 1.5e300, "i": 12345678901234567890.0, "s": "12345678901234567890", "__proto__": {"x": 1}}';
  const v = parseJSON(text);
  assert.equal(v.safe, 9007199254740991);
  assert.equal(v.big, 9007199254740993n);
  assert.equal(v.neg, -9223372036854775808n);
  assert.equal(v.f, 1.5e300);
  assert.equal(v.i, 12345678901234567890);
  assert.equal(v.s, '12345678901234567890');
  assert.deepEqual(Object.getOwnPropertyDescriptor(v, '__proto__').value, { x: 1 });
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.equal(parseJSON(text, { exactIntegers: false }).big, 9007199254740992);
  for (const bad of ['{"a":1,}', '[1 2]', '{"a" 1}', '01', '"x', '{"a":1} x', 'nul']) {
    assert.throws(() => parseJSON(bad + ' 1234567890123456'), SyntaxError, bad);
  }
});
