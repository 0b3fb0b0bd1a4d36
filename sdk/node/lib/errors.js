'use strict';

/**
 * Typed errors. Every error the SDK throws is a FarameshError; `status` is the HTTP status when
 * the server answered, `code` the server's machine-readable code (`{"detail", "code"}` bodies).
 */
class FarameshError extends Error {
  constructor(message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status ?? null;
    this.code = details.code ?? null;
    this.detail = details.detail ?? null;
    this.field = details.field ?? null;
    this.currentStatus = details.currentStatus ?? null;
    this.action = details.action ?? null;
    this.body = details.body ?? null;
  }
}

/** The policy (or a human) denied the action; it must not run. `reason` says why. */
class ActionDenied extends FarameshError {
  constructor(message, details = {}) {
    super(message, details);
    this.reason = details.reason ?? null;
    this.reasonCode = details.reasonCode ?? null;
  }
}

/** The action is still waiting (for approval, or for its end) when a bounded wait ran out. */
class ActionPending extends FarameshError {}

/** The approval deadline passed before anyone decided; the action must not run. */
class ApprovalExpired extends FarameshError {}

/** 401/403: missing or wrong token, wrong role, self-approval, wrong approval token, agent id mismatch. */
class AuthError extends FarameshError {}

/** 404: no such action (or route). */
class NotFound extends FarameshError {}

/** 409 (illegal transition, ambiguous id prefix) or an Idempotency-Key reused for another request. */
class Conflict extends FarameshError {}

/** 400/413/415/422, or input the SDK refuses before sending (NaN, lone surrogates, cycles, ...). */
class ValidationError extends FarameshError {}

/** Network failure, timeout or 5xx after all retries: the gatekeeper could not decide. */
class GatekeeperUnreachable extends FarameshError {}

/** Maps an HTTP error answer to a typed error. */
function errorFromResponse(status, body, method, path) {
  const detail = body && typeof body.detail === 'string' ? body.detail : null;
  const code = body && typeof body.code === 'string' ? body.code : null;
  const details = {
    status,
    code,
    detail,
    body,
    field: body && typeof body.field === 'string' ? body.field : null,
    currentStatus: body && typeof body.current_status === 'string' ? body.current_status : null,
  };
  const message = `${method} ${path} failed with ${status}${code ? ` ${code}` : ''}: ${detail ?? 'no detail'}`;
  if (code === 'IDEMPOTENCY_CONFLICT') return new Conflict(message, details);
  if (status === 401 || status === 403) return new AuthError(message, details);
  if (status === 404) return new NotFound(message, details);
  if (status === 409) return new Conflict(message, details);
  if (status === 400 || status === 413 || status === 415 || status === 422) return new ValidationError(message, details);
  if (status === 429 || status >= 500) return new GatekeeperUnreachable(message, details);
  return new FarameshError(message, details);
}

module.exports = {
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
};
