'use strict';

const { createHash } = require('node:crypto');
const { ValidationError } = require('./errors');

/**
 * Canonical JSON, byte for byte what the gatekeeper hashes (Sources/FarameshCore/JSON/CanonicalJSON.swift,
 * itself equal to faramesh-sdk 0.3.3 `canonicalize`):
 * - object keys sorted by Unicode code point (UTF-8 byte order, not JavaScript's UTF-16 order);
 * - no whitespace; strings escape `"`, `\`, `\b \f \n \r \t`, other controls as `\u00xx`, the rest raw;
 * - numbers: the shortest round-trip digits printed positionally (`1e21` → 1 and 21 zeros,
 *   `1.5e-7` → `0.00000015`, `1.0` → `1`, `-0` → `0`); BigInt as its decimal digits.
 *
 * The same text is sent as the request body, so what the server hashes is exactly what
 * `computeRequestHash` hashes.
 */

const MAX_DEPTH = 512;
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
const HIGH_UNIT = /[\ud800-\uffff]/;

function invalid(message, path) {
  return new ValidationError(`${message} at ${path}`, { field: path });
}

function canonicalNumber(value, path) {
  if (!Number.isFinite(value)) throw invalid(`${value} is not a JSON number (NaN and Infinity cannot be hashed)`, path);
  if (value === 0) return '0';
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  // Shortest digits with an exponent (|x| >= 1e21 or < 1e-6): print them positionally.
  const negative = text[0] === '-';
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const point = mantissa.indexOf('.');
  const digits = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  const intDigits = (point < 0 ? mantissa.length : point) + exponent;
  let out;
  if (intDigits <= 0) out = '0.' + '0'.repeat(-intDigits) + digits;
  else if (intDigits >= digits.length) out = digits + '0'.repeat(intDigits - digits.length);
  else out = digits.slice(0, intDigits) + '.' + digits.slice(intDigits);
  return negative ? '-' + out : out;
}

function canonicalString(value, path) {
  if (!NEEDS_ESCAPE.test(value)) return '"' + value + '"';
  let out = '"';
  let run = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      throw invalid('lone UTF-16 surrogate in a string (not representable as UTF-8)', path);
    }
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += value.slice(run, i);
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      default: out += '\\u00' + (c < 0x10 ? '0' : '1') + (c & 0xf).toString(16);
    }
    run = i + 1;
  }
  return out + value.slice(run) + '"';
}

/** UTF-16 code unit → a key that orders like the code point it belongs to. */
function orderUnit(c) {
  if (c >= 0xd800 && c <= 0xdfff) return c + 0x2000;
  if (c >= 0xe000) return c - 0x800;
  return c;
}

function codePointCompare(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return orderUnit(x) - orderUnit(y);
  }
  return a.length - b.length;
}

function sortedKeys(object) {
  const keys = Object.keys(object);
  if (keys.length < 2) return keys;
  for (const key of keys) {
    if (HIGH_UNIT.test(key)) return keys.sort(codePointCompare);
  }
  return keys.sort();
}

function isOmitted(value) {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function encode(value, path, depth, ancestors) {
  switch (typeof value) {
    case 'string': return canonicalString(value, path);
    case 'number': return canonicalNumber(value, path);
    case 'bigint': return value.toString();
    case 'boolean': return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      throw invalid(`a ${typeof value} is not a JSON value`, path);
    default: break;
  }
  if (value === null) return 'null';
  if (typeof value.toJSON === 'function') return encode(value.toJSON(), path, depth, ancestors);
  if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) {
    return encode(value.valueOf(), path, depth, ancestors);
  }
  if (value instanceof Map || value instanceof Set || value instanceof WeakMap || value instanceof WeakSet ||
      ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Promise) {
    throw invalid(`a ${value.constructor.name} is not a JSON value (convert it to an object or array first)`, path);
  }
  if (depth >= MAX_DEPTH) throw invalid(`nesting deeper than ${MAX_DEPTH} levels`, path);
  if (ancestors.has(value)) throw invalid('circular reference', path);
  ancestors.add(value);
  let out;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item = value[i];
      out += isOmitted(item) ? 'null' : encode(item, `${path}[${i}]`, depth + 1, ancestors);
    }
    out += ']';
  } else {
    out = '{';
    let first = true;
    for (const key of sortedKeys(value)) {
      const item = value[key];
      if (isOmitted(item)) continue;
      if (!first) out += ',';
      first = false;
      out += canonicalString(key, path) + ':' + encode(item, `${path}.${key}`, depth + 1, ancestors);
    }
    out += '}';
  }
  ancestors.delete(value);
  return out;
}

/** Canonical JSON text of a JSON-like value (BigInt allowed). Throws ValidationError on anything else. */
function canonicalize(value) {
  return encode(value, '$', 0, new Set());
}

// The whitespace the server trims from agent_id / tool / operation (Sources/FarameshAPI/WireText.swift).
const TRIMMED = '[\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]';
const TRIM = new RegExp(`^${TRIMMED}+|${TRIMMED}+$`, 'g');

function identifier(value, name) {
  if (typeof value !== 'string') throw new ValidationError(`${name} must be a string`, { field: name });
  return value.replace(TRIM, '');
}

/**
 * The five members the server hashes, as it hashes them: identifiers trimmed like the server does,
 * `context` null/absent → {}, `params` absent → {}.
 */
function hashedPayload(payload) {
  if (payload === null || typeof payload !== 'object') throw new ValidationError('payload must be an object', { field: '$' });
  const agentId = payload.agent_id !== undefined ? payload.agent_id : payload.agentId;
  return {
    agent_id: identifier(agentId, 'agent_id'),
    context: payload.context == null ? {} : payload.context,
    operation: identifier(payload.operation, 'operation'),
    params: payload.params == null ? {} : payload.params,
    tool: identifier(payload.tool, 'tool'),
  };
}

function sha256Hex(text) {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 hex of the canonical `{agent_id, context, operation, params, tool}`: the server's `request_hash`. */
function computeRequestHash(payload) {
  return sha256Hex(canonicalize(hashedPayload(payload)));
}

/** True when an action (or gate decision + payload) carries the request_hash of its own payload. */
function verifyRequestHash(action) {
  if (!action || typeof action.request_hash !== 'string') return false;
  return computeRequestHash(action) === action.request_hash;
}

// MARK: exact JSON reading

const SAFE_DIGITS = /\d{16}/;

/**
 * JSON.parse, except that integer literals (no `.`/`e`) outside Number's safe range become BigInt,
 * so values above 2^53 are kept digit for digit (JSON.parse would round them).
 */
function parseJSON(text, options = {}) {
  if (options.exactIntegers === false || !SAFE_DIGITS.test(text)) return JSON.parse(text);
  const reader = new Reader(text);
  reader.space();
  const value = reader.value(0);
  reader.space();
  if (reader.pos !== text.length) reader.fail('unexpected data after the JSON value');
  return value;
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;

class Reader {
  constructor(text) {
    this.text = text;
    this.pos = 0;
  }

  fail(message) {
    throw new SyntaxError(`${message} in JSON at position ${this.pos}`);
  }

  space() {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.pos++;
      else break;
    }
  }

  value(depth) {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, result] of [['true', true], ['false', false], ['null', null]]) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return result;
      }
    }
    return this.fail(c === undefined ? 'unexpected end' : `unexpected token ${JSON.stringify(c)}`);
  }

  object(depth) {
    this.pos++;
    const out = {};
    this.space();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.space();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.space();
      const item = this.value(depth + 1);
      if (key === '__proto__') Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
      else out[key] = item;
      this.space();
      const c = this.text[this.pos++];
      if (c === ',') continue;
      if (c === '}') return out;
      this.pos--;
      this.fail("expected ',' or '}'");
    }
  }

  array(depth) {
    this.pos++;
    const out = [];
    this.space();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      out.push(this.value(depth + 1));
      this.space();
      const c = this.text[this.pos++];
      if (c === ',') continue;
      if (c === ']') return out;
      this.pos--;
      this.fail("expected ',' or ']'");
    }
  }

  string() {
    const t = this.text;
    let i = this.pos + 1;
    for (; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i++;
    }
    if (i >= t.length) this.fail('unterminated string');
    const raw = t.slice(this.pos, i + 1);
    this.pos = i + 1;
    return JSON.parse(raw);
  }

  number() {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.fail('invalid number');
    this.pos += match[0].length;
    const value = Number(match[0]);
    if (match[1] === undefined && match[2] === undefined && !Number.isSafeInteger(value)) return BigInt(match[0]);
    return value;
  }
}

module.exports = {
  canonicalize,
  computeRequestHash,
  verifyRequestHash,
  hashedPayload,
  parseJSON,
  sha256Hex,
};
