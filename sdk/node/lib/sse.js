'use strict';

/**
 * Server-Sent Events over a fetch response body (a web ReadableStream of bytes), as the
 * WHATWG EventSource parser reads them: lines end in CRLF, LF or CR; `:` starts a comment;
 * fields `id`, `event`, `data` (joined with "\n"), `retry`; a blank line dispatches.
 * Yields `{id, event, data, retry}` for each dispatched event; `id` is the last id seen so far.
 */
async function* readEvents(body) {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let lastId;
  let event = '';
  let data = [];
  let retry;
  let sawCR = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let start = 0;
      for (let i = 0; i < buffer.length; i++) {
        const c = buffer.charCodeAt(i);
        if (c !== 0x0a && c !== 0x0d) continue;
        if (c === 0x0a && sawCR && i === start) {
          // The LF of a CRLF split across two chunks.
          sawCR = false;
          start = i + 1;
          continue;
        }
        const line = buffer.slice(start, i);
        if (c === 0x0d) {
          if (i + 1 < buffer.length) {
            if (buffer.charCodeAt(i + 1) === 0x0a) i++;
            sawCR = false;
          } else {
            sawCR = true;
          }
        } else {
          sawCR = false;
        }
        start = i + 1;
        if (line === '') {
          if (data.length > 0) {
            yield { id: lastId, event: event || 'message', data: data.join('\n'), retry };
          }
          event = '';
          data = [];
          continue;
        }
        if (line.charCodeAt(0) === 0x3a) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let fieldValue = colon < 0 ? '' : line.slice(colon + 1);
        if (fieldValue.charCodeAt(0) === 0x20) fieldValue = fieldValue.slice(1);
        if (field === 'data') data.push(fieldValue);
        else if (field === 'id') { if (!fieldValue.includes('\u0000')) lastId = fieldValue; }
        else if (field === 'event') event = fieldValue;
        else if (field === 'retry') { if (/^\d+$/.test(fieldValue)) retry = Number(fieldValue); }
      }
      buffer = buffer.slice(start);
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

module.exports = { readEvents };
