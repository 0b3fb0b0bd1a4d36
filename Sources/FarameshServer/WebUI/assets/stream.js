// Live updates: GET /v1/events read through fetch streaming (EventSource cannot send a bearer
// header), resumed with Last-Event-ID after a drop, polling while the stream cannot be opened.

const MAX_BACKOFF_MS = 15000;
const POLL_MS = 3000;
const OPEN_WAIT_MS = 3000;

export class LiveStream {
  /**
   * @param {import("./api.js").Api} api
   * @param {{onEvent: (msg: object) => void, onState: (state: string) => void,
   *          onPoll: () => Promise<void>, onUnauthorized: () => void}} handlers
   */
  constructor(api, handlers) {
    this.api = api;
    this.handlers = handlers;
    this.lastEventId = "";
    this.controller = null;
    this.stopped = true;
    this.failures = 0;
    this.pollTimer = 0;
    this.state = "idle";
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.onState(state);
  }

  /** Resolves once the first connection attempt has an answer (open or failed). */
  start() {
    this.stopped = false;
    return new Promise((resolve) => { this.run(resolve); });
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
    this.stopPolling();
    this.setState("idle");
  }

  async run(opened) {
    let first = opened;
    // The page loads its lists once the stream is open (so nothing falls between them), but never
    // waits longer than this for a stream that does not answer.
    setTimeout(() => { first?.(); first = null; }, OPEN_WAIT_MS);
    while (!this.stopped) {
      this.controller = new AbortController();
      try {
        const headers = this.api.headers({ Accept: "text/event-stream" });
        if (this.lastEventId) headers["Last-Event-ID"] = this.lastEventId;
        const response = await fetch(this.api.url("/v1/events"), {
          headers, signal: this.controller.signal, cache: "no-store", credentials: "omit",
        });
        if (response.status === 401) {
          first?.(); first = null;
          this.handlers.onUnauthorized();
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        this.failures = 0;
        this.stopPolling();
        this.setState("live");
        first?.(); first = null;
        await this.read(response.body);
        if (!this.stopped) this.setState("reconnecting");
      } catch (error) {
        if (this.stopped) break;
        this.failures += 1;
        first?.(); first = null;
        // Two failed opens in a row: keep the page current by polling while retrying the stream.
        if (this.failures >= 2) this.startPolling();
        else this.setState("reconnecting");
      }
      const backoff = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 6));
      await new Promise((resolve) => setTimeout(resolve, this.failures ? backoff : 100));
    }
  }

  async read(body) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let id = "";
    let data = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer[newline] === "\r" && buffer[newline + 1] === "\n" ? 2 : 1));
        if (line === "") {
          if (data.length) this.dispatch(id, data.join("\n"));
          data = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? "" : line.slice(colon + 1);
        if (val.startsWith(" ")) val = val.slice(1);
        if (field === "id" && !val.includes("\0")) id = val;
        else if (field === "data") data.push(val);
      }
    }
  }

  dispatch(id, text) {
    if (id) this.lastEventId = id;
    let message;
    try { message = JSON.parse(text); } catch { return; }
    if (message && typeof message === "object" && message.data) this.handlers.onEvent(message);
  }

  startPolling() {
    this.setState("polling");
    if (this.pollTimer) return;
    const tick = async () => {
      try { await this.handlers.onPoll(); } catch { /* shown by the state */ }
      if (this.pollTimer) this.pollTimer = setTimeout(tick, POLL_MS);
    };
    this.pollTimer = setTimeout(tick, 0);
  }

  stopPolling() {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = 0;
  }
}
