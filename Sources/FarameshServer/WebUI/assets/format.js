// Formatting helpers: times, durations, JSON previews. All return plain strings.

export function parseTime(text) {
  const value = Date.parse(text);
  return Number.isNaN(value) ? null : value;
}

export function localTime(text) {
  const value = parseTime(text);
  if (value === null) return "";
  const date = new Date(value);
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

/** "4s", "3m 12s", "2h 5m", "3d 4h". */
export function duration(ms) {
  if (ms === null || !Number.isFinite(ms)) return "";
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function age(text, now = Date.now()) {
  const value = parseTime(text);
  if (value === null) return "";
  const ms = Math.max(0, now - value);
  return ms < 60e3 ? `${Math.floor(ms / 1000)}s` : duration(ms);
}

/** "m:ss" (or "h:mm:ss") until `text`; "expired" once passed. */
export function countdown(text, now = Date.now()) {
  const value = parseTime(text);
  if (value === null) return "";
  let s = Math.floor((value - now) / 1000);
  if (s <= 0) return "expired";
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

export function pretty(value) {
  try { return JSON.stringify(value ?? null, null, 2); } catch { return String(value); }
}

/** One-line preview of params, at most `max` characters. */
export function preview(value, max = 120) {
  let text;
  try { text = JSON.stringify(value ?? {}); } catch { text = ""; }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function shortHash(text, n = 12) {
  return typeof text === "string" && text.length > n ? `${text.slice(0, n)}…` : text || "";
}

/** `since` filter values: milliseconds back from now. */
export const SINCE = { "15m": 15 * 60e3, "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3 };
