'use strict';

// The SSE reader on byte streams split at awkward places (the live server always sends LF; other
// servers and proxies may send CRLF or CR, and chunks can end anywhere, even inside a character).

const test = require('node:test');
const assert = require('node:assert/strict');
const { readEvents } = require('../lib/sse');

function streamOf(chunks) {
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(typeof c === 'string' ? new TextEncoder().encode(c) : c);
      controller.close();
    },
  });
}

async function all(chunks) {
  const out = [];
  for await (const e of readEvents(streamOf(chunks))) out.push(e);
  return out;
}

test('frames, ids, comments, retry, multi-line data', async () => {
  const events = await all(['retry: 1000\n\n: ping\n\nid: 7\ndata: {"a":1}\n\n', 'id: 8\nevent: x\ndata: line1\ndata: line2\n\n']);
  assert.deepEqual(events, [
    { id: '7', event: 'message', data: '{"a":1}', retry: 1000 },
    { id: '8', event: 'x', data: 'line1\nline2', retry: 1000 },
  ]);
});

test('CRLF and CR line ends, a CRLF split across chunks, a field without a space', async () => {
  const events = await all(['id:1\r', '\ndata:a\r\n\r', '\nid: 2\rdata: b\r\r']);
  assert.deepEqual(events.map((e) => [e.id, e.data]), [['1', 'a'], ['2', 'b']]);
});

test('a multi-byte character split between chunks; an unterminated last frame is dropped', async () => {
  const bytes = new TextEncoder().encode('data: é🚀\n\ndata: partial');
  const events = await all([bytes.slice(0, 7), bytes.slice(7, 9), bytes.slice(9)]);
  assert.deepEqual(events.map((e) => e.data), ['é🚀']);
});

test('the id persists to later frames until changed; an id with NUL is ignored', async () => {
  const events = await all(['id: 5\ndata: a\n\ndata: b\n\nid: 6\u0000\ndata: c\n\n']);
  assert.deepEqual(events.map((e) => e.id), ['5', '5', '5']);
});
