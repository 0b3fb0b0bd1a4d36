// The public API as this page uses it: bearer token from sessionStorage, JSON errors as ApiError.

const TOKEN_KEY = "faramesh.token";

/** An error answer of the API: `{detail, code, current_status?}` plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body && typeof body.detail === "string" ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.code = body && typeof body.code === "string" ? body.code : "";
    this.currentStatus = body && typeof body.current_status === "string" ? body.current_status : null;
  }
}

export class Api {
  constructor(base) {
    this.base = base.replace(/\/+$/, "");
    this.token = sessionStorage.getItem(TOKEN_KEY) || "";
  }

  setToken(token) {
    this.token = token;
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  headers(extra = {}) {
    const headers = { Accept: "application/json", ...extra };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    return headers;
  }

  url(path, query) {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query || {})) {
      if (value !== undefined && value !== null && value !== "") search.set(key, String(value));
    }
    const text = search.toString();
    return this.base + path + (text ? `?${text}` : "");
  }

  /** JSON request; resolves to `{data, headers}`, rejects with ApiError (or TypeError offline). */
  async request(path, { method = "GET", query, body, token, signal } = {}) {
    const headers = this.headers(body === undefined ? {} : { "Content-Type": "application/json" });
    if (token !== undefined) {
      if (token) headers.Authorization = `Bearer ${token}`;
      else delete headers.Authorization;
    }
    const response = await fetch(this.url(path, query), {
      method, headers, signal, cache: "no-store", credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!response.ok) throw new ApiError(response.status, data);
    return { data, headers: response.headers };
  }

  whoami(token) { return this.request("/v1/auth/whoami", { token }).then((r) => r.data); }

  /**
   * One page of `GET /v1/actions` for `query` (its parameters: status, risk_level, agent_id, tool,
   * q, since, until; empty ones left out); `next` is the keyset cursor of the following page or null.
   */
  async listActions(query, cursor, limit) {
    const { data, headers } = await this.request("/v1/actions", { query: { ...query, limit, cursor } });
    return { items: Array.isArray(data) ? data : [], next: headers.get("X-Next-Cursor") };
  }

  action(id) { return this.request(`/v1/actions/${encodeURIComponent(id)}`).then((r) => r.data); }
  events(id) { return this.request(`/v1/actions/${encodeURIComponent(id)}/events`).then((r) => r.data || []); }
  policyInfo() { return this.request("/v1/policy/info").then((r) => r.data); }
  ledger() { return this.request("/v1/ledger/checkpoints", { query: { limit: 1 } }).then((r) => r.data); }

  /** Approve or deny: reads the action's approval token (shown to approver/admin tokens), then decides. */
  async decide(id, approve, reason) {
    const action = await this.action(id);
    if (action.status !== "pending_approval") {
      throw new ApiError(409, { detail: `It is ${action.status} now`, code: "ILLEGAL_TRANSITION", current_status: action.status });
    }
    if (!action.approval_token) {
      throw new ApiError(403, { detail: "This token is not shown the approval token", code: "FORBIDDEN" });
    }
    const body = { token: action.approval_token, approve };
    if (reason) body.reason = reason;
    return (await this.request(`/v1/actions/${encodeURIComponent(id)}/approval`, { method: "POST", body })).data;
  }
}
