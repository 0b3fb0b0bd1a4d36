/// Machine-readable error codes (the `code` member of every error body).
package enum ErrorCode: String, Sendable, Hashable, CaseIterable {
    /// 400: the body is not valid JSON.
    case malformedJSON = "MALFORMED_JSON"
    /// 400: the HTTP request itself is malformed (bad chunk size, bad header line).
    case badRequest = "BAD_REQUEST"
    /// 408: the request head or body did not arrive in time.
    case requestTimeout = "REQUEST_TIMEOUT"
    /// 401: no, malformed or unknown bearer token.
    case unauthorized = "UNAUTHORIZED"
    /// 403: the token's role may not do this.
    case forbidden = "FORBIDDEN"
    /// 403: an approver tried to decide an action their own token submitted.
    case selfApproval = "SELF_APPROVAL_FORBIDDEN"
    /// 401: the approval token does not match the action's (as in the original, whose client
    /// maps 401 to its auth error).
    case invalidApprovalToken = "INVALID_APPROVAL_TOKEN"
    /// 403: the body's `agent_id` is not one the token may act as.
    case agentIDMismatch = "AGENT_ID_MISMATCH"
    /// 403: local mode (no token configured) answers only loopback `Host` names.
    case hostNotAllowed = "HOST_NOT_ALLOWED"
    /// 404: no action with this id (or id prefix).
    case actionNotFound = "ACTION_NOT_FOUND"
    /// 404: no such route.
    case notFound = "NOT_FOUND"
    /// 405: the route exists, the method does not.
    case methodNotAllowed = "METHOD_NOT_ALLOWED"
    /// 409: the action's status does not allow this transition (`current_status` says which it is).
    case illegalTransition = "ILLEGAL_TRANSITION"
    /// 409: an id prefix matches several actions (`matches` lists them).
    case ambiguousID = "AMBIGUOUS_ID_PREFIX"
    /// 413: body or a field is too large.
    case payloadTooLarge = "PAYLOAD_TOO_LARGE"
    /// 415: a POST without `Content-Type: application/json`.
    case unsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"
    /// 422: wrong type, unknown or missing field, bad query parameter (`field` names it).
    case validationError = "VALIDATION_ERROR"
    /// 422: the Idempotency-Key was used for a different request.
    case idempotencyConflict = "IDEMPOTENCY_CONFLICT"
    /// 503: the database is unavailable or the request took too long.
    case serviceUnavailable = "SERVICE_UNAVAILABLE"
    /// 503: the server is not ready (readiness probe).
    case notReady = "NOT_READY"
    /// 500: a bug; details are only in the server log.
    case internalError = "INTERNAL_ERROR"
}

/// `{"detail": "<safe message>", "code": "<CODE>"}` plus optional `field`, `current_status`, `matches`.
package struct ErrorResponse: Error, Sendable, Hashable, JSONWritable {
    package var detail: String
    package var code: String
    /// Field path of a validation error.
    package var field: String?
    /// Current status of the action for `ILLEGAL_TRANSITION`.
    package var currentStatus: ActionStatus?
    /// Matching action ids for `AMBIGUOUS_ID_PREFIX`.
    package var matches: [String]?

    package init(
        detail: String,
        code: ErrorCode,
        field: String? = nil,
        currentStatus: ActionStatus? = nil,
        matches: [String]? = nil
    ) {
        self.detail = detail
        self.code = code.rawValue
        self.field = field
        self.currentStatus = currentStatus
        self.matches = matches
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.detail = try r.string("detail")
        self.code = try r.string("code")
        self.field = try r.optionalString("field")
        self.currentStatus = try r.optionalEnumValue("current_status", ActionStatus.self)
        if r.raw("matches") != nil {
            var ids: [String] = []
            for item in try r.array("matches") {
                guard case .string(let s) = item else {
                    throw WireValidationError(field: "matches", message: "must be an array of strings")
                }
                ids.append(s)
            }
            self.matches = ids
        } else {
            self.matches = nil
        }
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("detail", self.detail)
        w.member("code", self.code)
        if let field = self.field { w.member("field", field) }
        if let status = self.currentStatus { w.member("current_status", status.rawValue) }
        if let matches = self.matches {
            w.key("matches")
            w.beginArray()
            for id in matches { w.string(id) }
            w.endArray()
        }
        w.endObject()
    }
}
