// Recomputes an action's event hash chain in the browser, as `faramesh verify-log` does:
// record_hash = sha256hex(canonical({action_id, created_at, event_type, id, meta}) ‖ prev_hash).

/** Code-point order (Python's str order), not JavaScript's UTF-16 order. */
function codePointCompare(a, b) {
  const x = Array.from(a, (c) => c.codePointAt(0));
  const y = Array.from(b, (c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

function canonicalString(text) {
  let out = "\"";
  for (const char of text) {
    const code = char.codePointAt(0);
    if (char === "\"") out += "\\\"";
    else if (char === "\\") out += "\\\\";
    else if (char === "\b") out += "\\b";
    else if (char === "\f") out += "\\f";
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (code < 0x20) out += `\\u00${code.toString(16).padStart(2, "0")}`;
    else out += char;
  }
  return `${out}"`;
}

/** Shortest round-trip digits, written positionally (no exponent), as the server writes doubles. */
function canonicalNumber(value) {
  if (Number.isInteger(value)) {
    if (!Number.isSafeInteger(value)) throw new RangeError("integer beyond 2^53 cannot be checked here");
    return Object.is(value, -0) ? "0" : String(value);
  }
  const text = String(value);
  const match = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, lead, rest = "", exp] = match;
  const digits = lead + rest;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

export function canonical(value) {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return canonicalNumber(value);
  if (typeof value === "string") return canonicalString(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort(codePointCompare);
  return `{${keys.map((k) => `${canonicalString(k)}:${canonical(value[k])}`).join(",")}}`;
}

async function sha256hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * @returns {Promise<{ok: boolean, recomputed: boolean, message: string}>}
 */
export async function verifyChain(events) {
  const hashing = Boolean(globalThis.crypto && crypto.subtle && window.isSecureContext);
  let previous = null;
  for (const [index, event] of events.entries()) {
    const where = `event ${index + 1} (${event.event_type})`;
    if (index === 0 && event.prev_hash) return { ok: false, recomputed: hashing, message: `${where} has a prev_hash: earlier events are missing` };
    if (index > 0 && event.prev_hash !== previous) return { ok: false, recomputed: hashing, message: `${where}: prev_hash does not match the previous record_hash` };
    if (index > 0 && event.action_id !== events[0].action_id) return { ok: false, recomputed: hashing, message: `${where} belongs to another action` };
    if (hashing) {
      let expected;
      try {
        const body = `{"action_id":${canonicalString(event.action_id)},"created_at":${canonicalString(event.created_at)},`
          + `"event_type":${canonicalString(event.event_type)},"id":${canonicalString(event.id)},"meta":${canonical(event.meta ?? {})}}`;
        expected = await sha256hex(body + (event.prev_hash || ""));
      } catch (error) {
        return { ok: true, recomputed: false, message: `links verified; hashes not recomputed (${error.message})` };
      }
      if (expected !== event.record_hash) return { ok: false, recomputed: true, message: `${where}: record_hash does not match its contents` };
    }
    previous = event.record_hash;
  }
  return hashing
    ? { ok: true, recomputed: true, message: `hash chain verifies: ${events.length} events, every record_hash recomputed (SHA-256)` }
    : { ok: true, recomputed: false, message: `links verify (${events.length} events); SHA-256 needs a secure context (HTTPS or localhost) to recompute` };
}
