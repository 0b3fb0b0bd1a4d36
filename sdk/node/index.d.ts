// Type declarations of @faramesh/sdk (hand-written; the package has no build step).

/** A JSON value as the SDK sends and reads it; integers beyond 2^53 may be BigInt. */
export type JSONValue = null | boolean | number | bigint | string | JSONValue[] | { [key: string]: JSONValue };
export type JSONObject = { [key: string]: JSONValue };

export type ActionStatus =
  | 'pending_decision' | 'allowed' | 'denied' | 'pending_approval' | 'approved'
  | 'executing' | 'succeeded' | 'failed' | 'timeout' | 'expired';
export type Decision = 'allow' | 'deny' | 'require_approval';
export type Outcome = 'EXECUTE' | 'ABSTAIN' | 'HALT';
export type RiskLevel = 'low' | 'medium' | 'high';
export type EventType =
  | 'created' | 'decision_made' | 'approved' | 'denied' | 'expired'
  | 'started' | 'succeeded' | 'failed' | 'timeout';

export interface Action {
  id: string;
  agent_id: string;
  tool: string;
  operation: string;
  params: JSONObject;
  context: JSONObject;
  status: ActionStatus;
  decision: Decision;
  outcome: Outcome;
  reason: string | null;
  reason_code: string;
  risk_level: RiskLevel;
  /** Only shown to approver/admin tokens while the action is pending; null otherwise. */
  approval_token?: string | null;
  approval_expires_at?: string | null;
  request_hash: string;
  policy_version: string | null;
  policy_hash: string | null;
  runtime_version: string | null;
  profile_id: string | null;
  profile_version: string | null;
  profile_hash: string | null;
  provenance_id: string | null;
  created_at: string;
  updated_at: string;
  [extra: string]: unknown;
}

/** What `submitAction` returns under `failOpen` when the gatekeeper cannot be reached: never stored. */
export interface FailOpenAction {
  id: null;
  agent_id: string;
  tool: string;
  operation: string;
  params: JSONObject;
  context: JSONObject;
  status: 'allowed';
  decision: 'allow';
  outcome: 'EXECUTE';
  reason: string;
  reason_code: 'FAIL_OPEN';
  risk_level: null;
  request_hash: string;
  fail_open: true;
}

export interface ActionEvent {
  id: string;
  action_id: string;
  event_type: EventType;
  meta: JSONObject;
  created_at: string;
  prev_hash: string | null;
  record_hash: string;
  seq: number;
  actor: string;
}

export interface GateDecision {
  outcome: Outcome;
  decision: Decision;
  reason_code: string;
  reason: string | null;
  risk_level: RiskLevel | null;
  request_hash: string;
  policy_version: string | null;
  policy_hash: string | null;
  profile_id: string | null;
  profile_version: string | null;
  profile_hash: string | null;
  runtime_version: string | null;
  provenance_id: string | null;
  /** Present (true) only on a decision let through by `failOpen`. */
  fail_open?: true;
}

export interface ReplayMismatch {
  field: string;
  original: unknown;
  replayed: unknown;
}

export interface ReplayResult {
  success: boolean;
  original_outcome: string | null;
  replayed_outcome: string | null;
  original_reason_code: string | null;
  replayed_reason_code: string | null;
  request_hash_match: boolean;
  policy_hash_match: boolean;
  profile_hash_match: boolean;
  runtime_version_match: boolean;
  mismatches: ReplayMismatch[];
  replayed: GateDecision;
}

/** One frame of `GET /v1/events`. `id` is the event's global sequence number (the resume cursor). */
export interface StreamEvent {
  id: string | null;
  type: string;
  data: {
    id: string;
    action_id: string;
    seq: number;
    event_type: EventType;
    event_id: string;
    status: ActionStatus;
    decision: Decision;
    agent_id: string;
    tool: string;
    operation: string;
    reason: string;
    risk_level: RiskLevel;
    actor: string;
    meta: JSONObject;
    created_at: string;
  };
  timestamp: string;
}

export interface Logger {
  warn(message: string): void;
}

/** The part of `fetch` the client uses (the global `fetch` of Node 18+ fits). */
export type FetchLike = (url: string, init: {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
  redirect: 'manual';
}) => Promise<{
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  body: unknown;
}>;

export interface ClientOptions {
  /** Used when the first constructor argument is this options object. */
  baseUrl?: string;
  /** Bearer token; default FARAMESH_TOKEN, then FARA_AUTH_TOKEN. `null` sends none. */
  token?: string | null;
  /** Per-attempt timeout of each HTTP call (default 10000). */
  timeoutMs?: number;
  /** Retries after the first attempt on network errors, timeouts, 429 and 5xx (default 3). */
  retries?: number;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Let calls through (with a warning per call) when the gatekeeper is unreachable. Default false. */
  failOpen?: boolean;
  /** Default agent id when a call gives none (else FARAMESH_AGENT_ID). */
  agentId?: string;
  /** Parse integers beyond 2^53 in responses as BigInt (default true). */
  exactIntegers?: boolean;
  logger?: Logger;
  fetch?: FetchLike;
  /** Environment to read defaults from (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface ActionRequest extends CallOptions {
  tool: string;
  operation: string;
  params?: { [key: string]: unknown };
  /** `context.agent_id` is used as the agent id when `agentId` is not given. */
  context?: { [key: string]: unknown };
  agentId?: string;
}

export interface SubmitOptions extends ActionRequest {
  /** Sent as Idempotency-Key (default: a fresh UUID per call, the same on every retry). */
  idempotencyKey?: string;
}

export interface ListFilters extends CallOptions {
  agentId?: string;
  tool?: string;
  status?: ActionStatus;
  riskLevel?: RiskLevel;
  /** Page size, 1 to 1000 (server default 20). */
  limit?: number;
  offset?: number;
  cursor?: string;
}

export type ActionPage = Action[] & { readonly nextCursor: string | null };

export interface ApprovalOptions extends CallOptions {
  /** The action's approval token; read from the action when omitted (approver/admin tokens see it). */
  token?: string;
  reason?: string;
}

export interface ResultOptions extends CallOptions {
  success: boolean;
  error?: string | null;
}

export interface WaitOptions extends CallOptions {
  /** Default 60000. On expiry: ActionPending. */
  timeoutMs?: number;
  /** Polling interval when the event stream is unavailable (default 1000). */
  pollIntervalMs?: number;
  /** false: poll only, never open the event stream. */
  sse?: boolean;
}

export interface StreamOptions extends CallOptions {
  agentId?: string | string[];
  tool?: string | string[];
  status?: ActionStatus | ActionStatus[];
  eventType?: EventType | EventType[];
  actionId?: string | string[];
  /** Resume after this event id. */
  lastEventId?: string | number;
  /** Reconnect (with Last-Event-ID) when the connection drops; default true. */
  reconnect?: boolean;
}

export interface RunContext {
  signal?: AbortSignal;
}

/** What a submit can return: a stored action, or (only with `failOpen: true`) a synthetic allow. */
export type Submitted<F extends boolean> = F extends true ? Action | FailOpenAction : Action;

export interface GovernOptions<T, A = Action> extends SubmitOptions {
  run: (action: A, context: RunContext) => T | Promise<T>;
  /** Bound on the wait for a human decision (default 300000). */
  waitTimeoutMs?: number;
}

export interface GovernedSpec {
  tool: string;
  /** Default "run". */
  operation?: string;
  agentId?: string;
  context?: { [key: string]: unknown };
  waitTimeoutMs?: number;
}

export interface GovernedCallOptions extends CallOptions {
  idempotencyKey?: string;
  context?: { [key: string]: unknown };
}

export type GovernedFunction<P, T> = (params?: P, options?: GovernedCallOptions) => Promise<T>;

/** `F` is true when the client was built with `failOpen: true` (then submits may return a FailOpenAction). */
export declare class ExecutionGovernorClient<F extends boolean = false> {
  constructor(baseUrl?: string | URL | null, options?: ClientOptions & { failOpen?: F });
  constructor(options: ClientOptions & { failOpen?: F });
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly failOpen: boolean;
  readonly agentId: string | null;

  submitAction(request: SubmitOptions): Promise<Submitted<F>>;
  getAction(id: string, options?: CallOptions): Promise<Action>;
  listActions(filters?: ListFilters): Promise<ActionPage>;
  iterateActions(filters?: ListFilters): AsyncGenerator<Action, void, undefined>;
  getEvents(id: string, options?: CallOptions): Promise<ActionEvent[]>;
  approveAction(id: string, options?: ApprovalOptions): Promise<Action>;
  denyAction(id: string, options?: ApprovalOptions): Promise<Action>;
  startAction(id: string, options?: CallOptions): Promise<Action>;
  reportResult(id: string, result: ResultOptions): Promise<Action>;
  /** Submits an allowed/approved/succeeded action's payload again (context.replayed_from = its id). */
  replayAction(id: string, options?: CallOptions & { idempotencyKey?: string }): Promise<Submitted<F>>;
  gateDecide(request: ActionRequest): Promise<GateDecision>;
  replayDecision(action: string | Action, options?: CallOptions): Promise<ReplayResult>;
  waitForDecision(id: string, options?: WaitOptions): Promise<Action>;
  waitForCompletion(id: string, options?: WaitOptions): Promise<Action>;
  streamEvents(options?: StreamOptions): AsyncGenerator<StreamEvent, void, undefined>;
  govern<T>(options: GovernOptions<T, Submitted<F>>): Promise<T>;
  governed<P extends { [key: string]: unknown }, T>(
    spec: string | GovernedSpec,
    fn: (params: P, context: { action: Submitted<F>; signal?: AbortSignal }) => T | Promise<T>,
  ): GovernedFunction<P, T>;
}

export interface HashPayload {
  agent_id?: string;
  agentId?: string;
  tool: string;
  operation: string;
  params?: unknown;
  context?: unknown;
}

/** Canonical JSON text (sorted keys by code point, no whitespace, positional numbers, BigInt digits). */
export declare function canonicalize(value: unknown): string;
/** SHA-256 hex of the canonical {agent_id, context, operation, params, tool}: the server's request_hash. */
export declare function computeRequestHash(payload: HashPayload): string;
/** True when `action.request_hash` is the hash of the action's own payload. */
export declare function verifyRequestHash(action: HashPayload & { request_hash?: string }): boolean;
/** JSON.parse, but integer literals outside Number's safe range become BigInt. */
export declare function parseJSON(text: string, options?: { exactIntegers?: boolean }): any;
export declare const VERSION: string;

export interface ErrorDetails {
  status?: number | null;
  code?: string | null;
  detail?: string | null;
  field?: string | null;
  currentStatus?: string | null;
  action?: unknown;
  body?: unknown;
  cause?: unknown;
}

export declare class FarameshError extends Error {
  constructor(message: string, details?: ErrorDetails);
  /** HTTP status when the server answered. */
  readonly status: number | null;
  /** The server's error code (e.g. ILLEGAL_TRANSITION, AGENT_ID_MISMATCH). */
  readonly code: string | null;
  readonly detail: string | null;
  readonly field: string | null;
  readonly currentStatus: string | null;
  readonly action: Action | FailOpenAction | null;
  readonly body: unknown;
  /** Set by `govern` when the run succeeded but its result could not be recorded. */
  result?: unknown;
}
export declare class ActionDenied extends FarameshError {
  readonly reason: string | null;
  readonly reasonCode: string | null;
}
export declare class ActionPending extends FarameshError {}
export declare class ApprovalExpired extends FarameshError {}
export declare class AuthError extends FarameshError {}
export declare class NotFound extends FarameshError {}
export declare class Conflict extends FarameshError {}
export declare class ValidationError extends FarameshError {}
export declare class GatekeeperUnreachable extends FarameshError {}
