// ES module entry: the same objects as the CommonJS entry (one copy, so instanceof works across both).
import sdk from './index.js';

export const {
  ExecutionGovernorClient,
  VERSION,
  canonicalize,
  computeRequestHash,
  verifyRequestHash,
  parseJSON,
  FarameshError,
  ActionDenied,
  ActionPending,
  ApprovalExpired,
  AuthError,
  NotFound,
  Conflict,
  ValidationError,
  GatekeeperUnreachable,
} = sdk;
export default sdk;
