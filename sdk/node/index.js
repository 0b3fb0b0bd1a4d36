'use strict';

const { ExecutionGovernorClient, VERSION } = require('./lib/client');
const { canonicalize, computeRequestHash, verifyRequestHash, parseJSON } = require('./lib/canonical');
const errors = require('./lib/errors');

module.exports = {
  ExecutionGovernorClient,
  VERSION,
  canonicalize,
  computeRequestHash,
  verifyRequestHash,
  parseJSON,
  FarameshError: errors.FarameshError,
  ActionDenied: errors.ActionDenied,
  ActionPending: errors.ActionPending,
  ApprovalExpired: errors.ApprovalExpired,
  AuthError: errors.AuthError,
  NotFound: errors.NotFound,
  Conflict: errors.Conflict,
  ValidationError: errors.ValidationError,
  GatekeeperUnreachable: errors.GatekeeperUnreachable,
};
