'use strict';

const { randomUUID } = require('node:crypto');
const { canonicalize, computeRequestHash, parseJSON } = require('./canonical');
const { readEvents } = require('./sse');
const {
  FarameshError,
  ActionDenied,
  ActionPending,
  ApprovalExpired,
  AuthError,
  NotFound,
  Conflict,
  ValidationError,
  GatekeeperUnreachable,
  errorFromResponse,
} = require('./errors');

const VERSION = '0.4.0';
const DEFAULT_BASE_URL = 'http://127.0.0.1:8000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TERMINAL = new Set(['denied', 'expired', 'succeeded', 'failed', 'timeout']);
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);
const STATUSES = new Set(['pending_decision', 'allowed', 'denied', 'pending_approval', 'approved',
  'executing', 'succeeded', 'failed', 'timeout', 'expired']);

function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** An AbortController aborted by `parent` or after `ms` (whichever first); `done()` releases both. */
function linkedController(parent, ms, timeoutReason) {
  const controller = new AbortController();
  let timer = null;
  const onAbort = () => controller.abort(parent.reason);
  if (parent) {
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener('abort', onAbort, { once: true });
  }
  if (ms !== undefined && ms !== null && Number.isFinite(ms)) {
    timer = setTimeout(() => controller.abort(timeoutReason), ms);
  }
  return {
    signal: controller.signal,
    timedOut: () => controller.signal.aborted && controller.signal.reason === timeoutReason,
    clearTimer() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
    done() {
      if (timer) clearTimeout(timer);
      if (parent) parent.removeEventListener('abort', onAbort);
    },
  };
}

function firstToken(value) {
  if (typeof value !== 'string') return null;
  const first = value.split(',').map((t) => t.trim()).find((t) => t.length > 0);
  return first ?? null;
}

function nonNegativeInteger(value, name, fallback) {
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new ValidationError(`${name} must be a non-negative integer`, { field: name });
  return value;
}

function positiveNumber(value, name, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new ValidationError(`${name} must be a positive number`, { field: name });
  return value;
}

function requireId(id) {
  if (typeof id !== 'string' || id.trim() === '') throw new ValidationError('an action id (string) is required', { field: 'id' });
  return encodeURIComponent(id.trim());
}

function plainObject(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError(`${name} must be an object`, { field: name });
  return value;
}

function filterValue(value, name) {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || list.some((v) => typeof v !== 'string' || v === '' || v.includes(','))) {
    throw new ValidationError(`${name} must be a non-empty string or array of strings without commas`, { field: name });
  }
  return list.join(',');
}

/** The next-page cursor: `X-Next-Cursor`, else the `cursor` of the `Link: <...>; rel="next"` target. */
function nextCursor(headers) {
  const direct = headers.get('x-next-cursor');
  if (direct) return direct;
  const link = headers.get('link');
  const match = link && /<([^>]*)>\s*;\s*rel="?next"?/.exec(link);
  if (!match) return null;
  try {
    return new URL(match[1], 'http://x').searchParams.get('cursor');
  } catch {
    return null;
  }
}

/**
 * Client of one Faramesh gatekeeper.
 *
 * `new ExecutionGovernorClient(baseUrl?, {token, timeoutMs, retries, failOpen, agentId, ...})`;
 * `baseUrl` defaults to FARAMESH_BASE_URL (then FARA_API_BASE, then http://127.0.0.1:8000),
 * `token` to FARAMESH_TOKEN (then FARA_AUTH_TOKEN; the first of a comma-separated list).
 */
class ExecutionGovernorClient {
  constructor(baseUrl, options) {
    if (baseUrl !== null && typeof baseUrl === 'object' && !(baseUrl instanceof URL)) {
      options = baseUrl;
      baseUrl = options.baseUrl;
    }
    options = options ?? {};
    if (typeof options !== 'object') throw new ValidationError('options must be an object', { field: 'options' });
    const env = options.env ?? process.env;
    const raw = String(baseUrl ?? env.FARAMESH_BASE_URL ?? env.FARA_API_BASE ?? DEFAULT_BASE_URL);
    let url;
    try {
      url = new URL(raw);
    } catch (cause) {
      throw new ValidationError(`baseUrl is not a URL: ${raw}`, { field: 'baseUrl', cause });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ValidationError(`baseUrl must be http(s): ${raw}`, { field: 'baseUrl' });
    }
    if (url.username || url.password) throw new ValidationError('baseUrl must not carry credentials; use the token option', { field: 'baseUrl' });
    this.baseUrl = url.href.replace(/\/+$/, '');
    const token = options.token !== undefined ? options.token : firstToken(env.FARAMESH_TOKEN ?? env.FARA_AUTH_TOKEN);
    if (token !== null && token !== undefined && (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token))) {
      throw new ValidationError('token must be a string of visible ASCII characters', { field: 'token' });
    }
    Object.defineProperty(this, 'token', { value: token || null, enumerable: false });
    this.timeoutMs = positiveNumber(options.timeoutMs, 'timeoutMs', 10_000);
    this.retries = nonNegativeInteger(options.retries, 'retries', 3);
    this.retryDelayMs = positiveNumber(options.retryDelayMs, 'retryDelayMs', 100);
    this.maxRetryDelayMs = positiveNumber(options.maxRetryDelayMs, 'maxRetryDelayMs', 2_000);
    this.failOpen = options.failOpen === true;
    this.agentId = options.agentId ?? env.FARAMESH_AGENT_ID ?? null;
    this.exactIntegers = options.exactIntegers !== false;
    this.logger = options.logger ?? console;
    this.fetch = options.fetch ?? globalThis.fetch;
    if (typeof this.fetch !== 'function') throw new FarameshError('global fetch is missing: Node.js 18 or later is required');
  }

  // MARK: transport

  _headers(extra) {
    const headers = { accept: 'application/json', 'user-agent': `faramesh-node-sdk/${VERSION}`, ...extra };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return headers;
  }

  _parse(text) {
    return parseJSON(text, { exactIntegers: this.exactIntegers });
  }

  _delay(attempt, response) {
    const retryAfter = response && Number(response.headers.get('retry-after'));
    if (retryAfter > 0) return Math.min(retryAfter * 1000, 5_000);
    const base = Math.min(this.retryDelayMs * 2 ** attempt, this.maxRetryDelayMs);
    return base / 2 + Math.random() * (base / 2);
  }

  /**
   * One API call with retries. `retriedTargets`: statuses that, when a retried transition answers
   * 409 with one of them, mean an earlier attempt of this very call went through.
   */
  async _request(method, path, { body, query, headers, signal, retriedTargets, id } = {}) {
    let url = this.baseUrl + path;
    if (query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) qs.append(k, String(v));
      const text = qs.toString();
      if (text) url += '?' + text;
    }
    // Never follow redirects: the bearer token must not travel to another origin, and a
    // gatekeeper API does not redirect (a 3xx is an error).
    const init = { method, headers: this._headers(headers), redirect: 'manual' };
    if (body !== undefined) {
      init.body = canonicalize(body);
      init.headers['content-type'] = 'application/json';
    }
    let lastError;
    for (let attempt = 0; ; attempt++) {
      const timeoutReason = new Error('timeout');
      const link = linkedController(signal, this.timeoutMs, timeoutReason);
      let response;
      let text;
      try {
        response = await this.fetch(url, { ...init, signal: link.signal });
        text = await response.text();
      } catch (cause) {
        link.done();
        if (signal && signal.aborted) throw signal.reason;
        const what = link.timedOut() ? `timed out after ${this.timeoutMs} ms` : (cause && cause.cause && cause.cause.code) || (cause && cause.message) || String(cause);
        lastError = new GatekeeperUnreachable(`${method} ${this.baseUrl}${path}: gatekeeper unreachable (${what})`, { cause });
        if (attempt < this.retries) {
          await sleep(this._delay(attempt), signal);
          continue;
        }
        throw lastError;
      }
      link.done();
      if (response.ok) {
        let parsed = null;
        try {
          parsed = text ? this._parse(text) : null;
        } catch (cause) {
          throw new FarameshError(`${method} ${path}: the answer (${response.status}, ${response.headers.get('content-type') || 'no content type'}) is not JSON; is ${this.baseUrl} a Faramesh gatekeeper?`,
            { status: response.status, cause });
        }
        return { status: response.status, headers: response.headers, body: parsed };
      }
      let errorBody = null;
      try {
        errorBody = text ? this._parse(text) : null;
      } catch {
        errorBody = { detail: text.slice(0, 500) };
      }
      const error = errorFromResponse(response.status, errorBody, method, path);
      if (attempt > 0 && retriedTargets && error instanceof Conflict && retriedTargets.includes(error.currentStatus)) {
        // An earlier attempt of this call succeeded but its answer was lost.
        return { status: 200, headers: response.headers, body: await this.getAction(id, { signal }) };
      }
      if (RETRYABLE_STATUS.has(response.status) && attempt < this.retries) {
        await sleep(this._delay(attempt, response), signal);
        continue;
      }
      throw error;
    }
  }

  _failOpen(error, what) {
    if (!this.failOpen || !(error instanceof GatekeeperUnreachable)) return false;
    this.logger.warn(`[faramesh] failOpen: ${what} let through without a decision: ${error.message}`);
    return true;
  }

  _payload({ tool, operation, params, context, agentId }) {
    const ctx = plainObject(context, 'context');
    const agent = agentId ?? (ctx && typeof ctx.agent_id === 'string' ? ctx.agent_id : undefined) ?? this.agentId;
    if (typeof agent !== 'string' || agent.trim() === '') {
      throw new ValidationError('agentId is required (option agentId, context.agent_id, the client agentId or FARAMESH_AGENT_ID)', { field: 'agent_id' });
    }
    for (const [name, value] of [['tool', tool], ['operation', operation]]) {
      if (typeof value !== 'string' || value.trim() === '') throw new ValidationError(`${name} must be a non-empty string`, { field: name });
    }
    const payload = { agent_id: agent, tool, operation, params: plainObject(params, 'params') ?? {} };
    if (ctx !== undefined) payload.context = ctx;
    return payload;
  }

  // MARK: actions

  /**
   * Submits an action for a decision. Returns the action whatever the decision (check `status`).
   * Sends an Idempotency-Key (yours or a fresh UUID), the same on every retry.
   */
  async submitAction(request = {}) {
    const payload = this._payload(request);
    const idempotencyKey = request.idempotencyKey ?? randomUUID();
    if (typeof idempotencyKey !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new ValidationError('idempotencyKey must be 1 to 255 visible ASCII characters', { field: 'idempotencyKey' });
    }
    try {
      const { body } = await this._request('POST', '/v1/actions', {
        body: payload, headers: { 'idempotency-key': idempotencyKey }, signal: request.signal,
      });
      return body;
    } catch (error) {
      if (!this._failOpen(error, `submit ${payload.tool}.${payload.operation} for agent ${payload.agent_id}`)) throw error;
      return {
        id: null, ...payload, context: payload.context ?? {}, status: 'allowed', decision: 'allow', outcome: 'EXECUTE',
        reason: 'Gatekeeper unreachable; allowed because failOpen is set', reason_code: 'FAIL_OPEN',
        risk_level: null, request_hash: computeRequestHash(payload), fail_open: true,
      };
    }
  }

  /** One action by id (or an id prefix of at least 8 hex digits). */
  async getAction(id, { signal } = {}) {
    return (await this._request('GET', `/v1/actions/${requireId(id)}`, { signal })).body;
  }

  _listQuery(filters) {
    const query = {
      agent_id: filters.agentId, tool: filters.tool, status: filters.status, risk_level: filters.riskLevel,
      limit: filters.limit, offset: filters.offset, cursor: filters.cursor,
    };
    if (query.status !== undefined && !STATUSES.has(query.status)) {
      throw new ValidationError(`unknown status ${query.status}`, { field: 'status' });
    }
    if (query.limit !== undefined && (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000)) {
      throw new ValidationError('limit must be an integer from 1 to 1000', { field: 'limit' });
    }
    return query;
  }

  /**
   * One page of actions, newest first. The returned array has `nextCursor` (string or null):
   * pass it back as `cursor` for the next page, or use `iterateActions` to walk every page.
   */
  async listActions(filters = {}) {
    const { body, headers } = await this._request('GET', '/v1/actions', { query: this._listQuery(filters), signal: filters.signal });
    const page = Array.isArray(body) ? body : [];
    Object.defineProperty(page, 'nextCursor', { value: nextCursor(headers), enumerable: false });
    return page;
  }

  /** Every action matching the filters, page by page (`limit` is the page size), via the server's cursors. */
  async *iterateActions(filters = {}) {
    let cursor = filters.cursor;
    for (;;) {
      const page = await this.listActions({ ...filters, cursor, offset: cursor === filters.cursor ? filters.offset : undefined });
      for (const action of page) yield action;
      if (!page.nextCursor || page.length === 0) return;
      cursor = page.nextCursor;
    }
  }

  /** The action's hash-chained event timeline. */
  async getEvents(id, { signal } = {}) {
    return (await this._request('GET', `/v1/actions/${requireId(id)}/events`, { signal })).body;
  }

  async _decide(id, approve, options) {
    const { reason, signal } = options ?? {};
    let token = options && options.token;
    let target = id;
    if (reason !== undefined && reason !== null && typeof reason !== 'string') throw new ValidationError('reason must be a string', { field: 'reason' });
    if (token === undefined || token === null) {
      const action = await this.getAction(id, { signal });
      target = action.id;
      if (action.status !== 'pending_approval') {
        throw new Conflict(`Cannot ${approve ? 'approve' : 'deny'} action ${action.id}: its status is ${action.status}`,
          { status: 409, code: 'ILLEGAL_TRANSITION', currentStatus: action.status, action });
      }
      token = action.approval_token;
      if (!token) {
        throw new AuthError(`This client's token cannot see the approval token of ${action.id} (an approver or admin token is required)`,
          { status: 403, code: 'FORBIDDEN', action });
      }
    }
    const body = { token, approve };
    if (reason !== undefined && reason !== null) body.reason = reason;
    const { body: result } = await this._request('POST', `/v1/actions/${requireId(target)}/approval`, {
      body, signal, id: target, retriedTargets: [approve ? 'approved' : 'denied'],
    });
    return result;
  }

  /** Approves a pending action (approver/admin token). Without `token`, reads the action's approval token first. */
  approveAction(id, options = {}) {
    return this._decide(id, true, options);
  }

  /** Denies a pending action (approver/admin token). */
  denyAction(id, options = {}) {
    return this._decide(id, false, options);
  }

  /** allowed/approved → executing. */
  async startAction(id, { signal } = {}) {
    return (await this._request('POST', `/v1/actions/${requireId(id)}/start`, {
      body: {}, signal, id, retriedTargets: ['executing', 'succeeded', 'failed', 'timeout'],
    })).body;
  }

  /** Records how the run ended: `{success: true}` or `{success: false, error: "..."}`. */
  async reportResult(id, { success, error, signal } = {}) {
    if (typeof success !== 'boolean') throw new ValidationError('success must be a boolean', { field: 'success' });
    if (error !== undefined && error !== null && typeof error !== 'string') throw new ValidationError('error must be a string', { field: 'error' });
    const body = { success };
    if (error !== undefined && error !== null) body.error = error;
    return (await this._request('POST', `/v1/actions/${requireId(id)}/result`, {
      body, signal, id, retriedTargets: [success ? 'succeeded' : 'failed'],
    })).body;
  }

  /**
   * Submits a stored action's payload again as a new action (context gains `replayed_from` and
   * `replay: true`), as the original's `replay`; only for allowed, approved or succeeded actions.
   */
  async replayAction(id, { signal, idempotencyKey } = {}) {
    const original = await this.getAction(id, { signal });
    if (!['allowed', 'approved', 'succeeded'].includes(original.status)) {
      throw new Conflict(`Cannot replay action ${original.id}: its status is ${original.status}`,
        { status: 409, code: 'ILLEGAL_TRANSITION', currentStatus: original.status, action: original });
    }
    return this.submitAction({
      agentId: original.agent_id, tool: original.tool, operation: original.operation, params: original.params ?? {},
      context: { ...(original.context ?? {}), replayed_from: original.id, replay: true }, signal, idempotencyKey,
    });
  }

  // MARK: decisions

  /** Decides without recording anything (`POST /v1/gate/decide`). */
  async gateDecide(request = {}) {
    const payload = this._payload(request);
    try {
      return (await this._request('POST', '/v1/gate/decide', { body: payload, signal: request.signal })).body;
    } catch (error) {
      if (!this._failOpen(error, `decide ${payload.tool}.${payload.operation} for agent ${payload.agent_id}`)) throw error;
      return {
        outcome: 'EXECUTE', decision: 'allow', reason_code: 'FAIL_OPEN',
        reason: 'Gatekeeper unreachable; allowed because failOpen is set', risk_level: null,
        request_hash: computeRequestHash(payload), policy_version: null, policy_hash: null, profile_id: null,
        profile_version: null, profile_hash: null, runtime_version: null, provenance_id: null, fail_open: true,
      };
    }
  }

  /**
   * Re-decides a stored action's payload with the current policy and compares: outcome, reason code,
   * request/policy/profile hashes and runtime version. `success` is true when all agree.
   */
  async replayDecision(actionOrId, { signal } = {}) {
    const original = typeof actionOrId === 'string' ? await this.getAction(actionOrId, { signal }) : actionOrId;
    if (!original || typeof original !== 'object' || typeof original.tool !== 'string') {
      throw new ValidationError('replayDecision needs an action id or an action object', { field: 'action' });
    }
    // The payload exactly as stored (agentId given explicitly so context.agent_id cannot override it).
    const replayed = await this._request('POST', '/v1/gate/decide', {
      body: { agent_id: original.agent_id, tool: original.tool, operation: original.operation, params: original.params ?? {}, context: original.context ?? {} },
      signal,
    }).then((r) => r.body);
    const compare = [
      ['outcome', 'outcome'], ['reason_code', 'reason_code'], ['request_hash', 'request_hash'],
      ['policy_hash', 'policy_hash'], ['profile_hash', 'profile_hash'], ['runtime_version', 'runtime_version'],
    ];
    const mismatches = [];
    for (const [field] of compare) {
      if ((original[field] ?? null) !== (replayed[field] ?? null)) {
        mismatches.push({ field, original: original[field] ?? null, replayed: replayed[field] ?? null });
      }
    }
    return {
      success: mismatches.length === 0,
      original_outcome: original.outcome ?? null,
      replayed_outcome: replayed.outcome ?? null,
      original_reason_code: original.reason_code ?? null,
      replayed_reason_code: replayed.reason_code ?? null,
      request_hash_match: original.request_hash === replayed.request_hash,
      policy_hash_match: (original.policy_hash ?? null) === (replayed.policy_hash ?? null),
      profile_hash_match: (original.profile_hash ?? null) === (replayed.profile_hash ?? null),
      runtime_version_match: (original.runtime_version ?? null) === (replayed.runtime_version ?? null),
      mismatches,
      replayed,
    };
  }

  // MARK: live events

  async _openStream(query, lastEventId, signal) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.append(k, v);
    const text = qs.toString();
    const url = `${this.baseUrl}/v1/events${text ? '?' + text : ''}`;
    const headers = this._headers({ accept: 'text/event-stream' });
    if (lastEventId !== undefined && lastEventId !== null) headers['last-event-id'] = String(lastEventId);
    const timeoutReason = new Error('timeout');
    const link = linkedController(signal, this.timeoutMs, timeoutReason);
    let response;
    try {
      response = await this.fetch(url, { method: 'GET', headers, signal: link.signal, redirect: 'manual' });
    } catch (cause) {
      link.done();
      if (signal && signal.aborted) throw signal.reason;
      const what = link.timedOut() ? `timed out after ${this.timeoutMs} ms` : (cause && cause.cause && cause.cause.code) || (cause && cause.message);
      throw new GatekeeperUnreachable(`GET ${url}: gatekeeper unreachable (${what})`, { cause });
    }
    // Headers arrived: from here on only the caller's signal may end the stream.
    link.clearTimer();
    if (!response.ok) {
      link.done();
      const body = await response.text().catch(() => '');
      let parsed = null;
      try { parsed = body ? this._parse(body) : null; } catch { parsed = { detail: body.slice(0, 500) }; }
      throw errorFromResponse(response.status, parsed, 'GET', '/v1/events');
    }
    return { response, release: () => link.done() };
  }

  /**
   * Live action events (`GET /v1/events`) as an async iterator of `{id, type, data, timestamp}`.
   * Filters: agentId, tool, status, eventType, actionId (string or array each). Resumes with
   * Last-Event-ID after a dropped connection (and from `lastEventId` when given). Ends when
   * `signal` aborts or the loop breaks.
   */
  async *streamEvents(options = {}) {
    const query = {
      agent_id: filterValue(options.agentId, 'agentId'),
      tool: filterValue(options.tool, 'tool'),
      status: filterValue(options.status, 'status'),
      event_type: filterValue(options.eventType, 'eventType'),
      action_id: filterValue(options.actionId, 'actionId'),
    };
    const signal = options.signal;
    const reconnect = options.reconnect !== false;
    let lastEventId = options.lastEventId ?? undefined;
    let failures = 0;
    for (;;) {
      if (signal && signal.aborted) return;
      let stream;
      try {
        stream = await this._openStream(query, lastEventId, signal);
      } catch (error) {
        if (signal && signal.aborted) return;
        if (!(error instanceof GatekeeperUnreachable) || !reconnect || failures >= this.retries) throw error;
        await sleep(this._delay(failures++), signal).catch(() => {});
        continue;
      }
      failures = 0;
      try {
        for await (const event of readEvents(stream.response.body)) {
          if (event.id !== undefined) lastEventId = event.id;
          const message = this._parse(event.data);
          yield { id: event.id ?? null, type: message.type, data: message.data, timestamp: message.timestamp };
        }
      } catch (error) {
        if (signal && signal.aborted) return;
        if (error instanceof SyntaxError) throw new FarameshError(`unreadable event frame: ${error.message}`, { cause: error });
        if (!reconnect) throw new GatekeeperUnreachable(`event stream lost: ${error.message}`, { cause: error });
      } finally {
        stream.release();
      }
      if (!reconnect) return;
      await sleep(this._delay(0), signal).catch(() => {});
    }
  }

  /**
   * Waits until `done(action)` holds, over the live event stream (Last-Event-ID resume on a lost
   * connection), polling `GET /v1/actions/{id}` when the stream is not available.
   */
  async _waitFor(id, done, what, options) {
    const timeoutMs = positiveNumber(options.timeoutMs, 'timeoutMs', 60_000);
    const pollIntervalMs = positiveNumber(options.pollIntervalMs, 'pollIntervalMs', 1_000);
    let useStream = options.sse !== false;
    const timeoutReason = new Error('wait timeout');
    const link = linkedController(options.signal, timeoutMs, timeoutReason);
    const signal = link.signal;
    let action = null;
    try {
      let fullId = typeof id === 'string' ? id.trim() : id;
      if (!UUID.test(fullId)) {
        action = await this.getAction(id, { signal });
        if (done(action)) return action;
        fullId = action.id;
      }
      let lastEventId;
      let streamFailures = 0;
      for (;;) {
        let stream = null;
        if (useStream) {
          try {
            stream = await this._openStream({ action_id: fullId }, lastEventId, signal);
            streamFailures = 0;
          } catch (error) {
            if (signal.aborted) throw error;
            if (error instanceof AuthError || error instanceof ValidationError) throw error;
            // Route missing (older server): poll from now on; unavailable: poll this round.
            if (error instanceof NotFound || ++streamFailures > this.retries) useStream = false;
          }
        }
        // Read after subscribing, so no change between the two is missed.
        action = await this.getAction(fullId, { signal });
        if (done(action)) return action;
        if (stream) {
          try {
            for await (const event of readEvents(stream.response.body)) {
              if (event.id !== undefined) lastEventId = event.id;
              let message;
              try { message = this._parse(event.data); } catch { continue; }
              const status = message && message.data && message.data.status;
              if (typeof status === 'string' && done({ ...action, status })) {
                action = await this.getAction(fullId, { signal });
                if (done(action)) return action;
              }
            }
          } catch (error) {
            if (signal.aborted) throw error;
            // Lost connection: reconnect with Last-Event-ID, then read the action again.
          } finally {
            stream.release();
          }
          await sleep(this._delay(0), signal);
        } else {
          await sleep(pollIntervalMs, signal);
        }
      }
    } catch (error) {
      if (link.timedOut()) {
        const status = action ? action.status : 'unknown';
        throw new ActionPending(`Action ${action ? action.id : id} did not ${what} within ${timeoutMs} ms (status ${status})`,
          { action, currentStatus: action ? action.status : null });
      }
      if (options.signal && options.signal.aborted) throw options.signal.reason;
      throw error;
    } finally {
      link.done();
    }
  }

  /** Resolves once the action leaves `pending_approval` (approved, denied, expired, ...). */
  waitForDecision(id, options = {}) {
    return this._waitFor(id, (a) => a.status !== 'pending_approval' && a.status !== 'pending_decision', 'get a decision', options);
  }

  /** Resolves once the action is final: denied, expired, succeeded, failed or timeout. */
  waitForCompletion(id, options = {}) {
    return this._waitFor(id, (a) => TERMINAL.has(a.status), 'complete', options);
  }

  // MARK: governed execution

  /**
   * The one lifecycle: submit → allowed: start, run, report; denied: throw ActionDenied (never run);
   * pending: wait (bounded) → approved: start, run, report; denied/expired/timeout: throw, never run.
   * `run(action, {signal})` is your tool; its return value is returned, its error reported and rethrown.
   */
  async govern(options = {}) {
    const { run, waitTimeoutMs = 300_000, signal } = options;
    if (typeof run !== 'function') throw new ValidationError('run must be a function', { field: 'run' });
    let action = await this.submitAction(options);
    const label = `${action.tool}.${action.operation}`;
    if (action.fail_open) return run(action, { signal });
    if (action.status === 'pending_approval') {
      try {
        action = await this.waitForDecision(action.id, { timeoutMs: waitTimeoutMs, signal });
      } catch (error) {
        if (error instanceof ActionPending) {
          throw new ActionPending(`${label} (action ${action.id}) is still waiting for approval after ${waitTimeoutMs} ms; not run`, { action: error.action ?? action, currentStatus: 'pending_approval' });
        }
        throw error;
      }
    }
    if (action.status === 'denied') {
      throw new ActionDenied(`${label} denied: ${action.reason ?? 'no reason given'}`, {
        action, reason: action.reason ?? null, reasonCode: action.reason_code ?? null, currentStatus: 'denied',
      });
    }
    if (action.status === 'expired') {
      throw new ApprovalExpired(`${label} (action ${action.id}): the approval expired before anyone decided; not run`, { action, currentStatus: 'expired' });
    }
    if (action.status !== 'allowed' && action.status !== 'approved') {
      throw new Conflict(`${label} (action ${action.id}) cannot run from status ${action.status}`, { action, currentStatus: action.status });
    }
    try {
      action = await this.startAction(action.id, { signal });
    } catch (error) {
      if (!this._failOpen(error, `start of ${label} (action ${action.id})`)) throw error;
    }
    let value;
    try {
      value = await run(action, { signal });
    } catch (runError) {
      const message = runError && runError.message ? String(runError.message) : String(runError);
      try {
        await this.reportResult(action.id, { success: false, error: message || 'failed' });
      } catch (reportError) {
        if (!this._failOpen(reportError, `result of ${label} (action ${action.id})`)) {
          this.logger.warn(`[faramesh] could not record the failure of ${label} (action ${action.id}): ${reportError.message}`);
        }
      }
      throw runError;
    }
    try {
      await this.reportResult(action.id, { success: true });
    } catch (reportError) {
      if (!this._failOpen(reportError, `result of ${label} (action ${action.id})`)) {
        reportError.result = value;
        throw reportError;
      }
    }
    return value;
  }

  /**
   * Wraps `fn(params, {action, signal})` so every call is governed: `governed('shell', fn)` or
   * `governed({tool, operation, agentId, context, waitTimeoutMs}, fn)`. The wrapper takes
   * `(params, {idempotencyKey, signal, context})`.
   */
  governed(spec, fn) {
    const base = typeof spec === 'string' ? { tool: spec } : { ...spec };
    if (typeof base.tool !== 'string') throw new ValidationError('governed needs a tool name', { field: 'tool' });
    if (typeof fn !== 'function') throw new ValidationError('governed needs a function', { field: 'fn' });
    const operation = base.operation ?? 'run';
    return (params = {}, callOptions = {}) => this.govern({
      ...base,
      operation,
      params,
      context: callOptions.context ?? base.context,
      idempotencyKey: callOptions.idempotencyKey,
      signal: callOptions.signal,
      run: (action, { signal }) => fn(params, { action, signal }),
    });
  }
}

module.exports = { ExecutionGovernorClient, VERSION };
