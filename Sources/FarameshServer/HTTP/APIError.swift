import FarameshAPI
import FarameshCore
import Foundation
import Hummingbird

/// An error answered as `{"detail", "code"[, "field", "current_status", "matches"]}` JSON.
/// Every message is written for clients: no internals, no secrets, no echoed input beyond ids.
struct APIError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var body: ErrorResponse
    var headers: HTTPFields

    init(
        _ status: HTTPResponse.Status,
        _ code: ErrorCode,
        _ detail: String,
        field: String? = nil,
        currentStatus: ActionStatus? = nil,
        matches: [String]? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.body = ErrorResponse(
            detail: detail,
            code: code,
            field: field,
            currentStatus: currentStatus,
            matches: matches
        )
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) -> Response {
        JSONResponse.make(self.body, status: self.status, headers: self.headers)
    }

    // MARK: common errors

    static func unauthorized(_ detail: String) -> APIError {
        APIError(.unauthorized, .unauthorized, detail, headers: [.wwwAuthenticate: "Bearer"])
    }

    static func forbidden(_ detail: String, code: ErrorCode = .forbidden) -> APIError {
        APIError(.forbidden, code, detail)
    }

    static func validation(_ error: WireValidationError) -> APIError {
        switch error.kind {
        case .invalid:
            return APIError(
                .unprocessableContent,
                .validationError,
                "Invalid request: \(error.description)",
                field: error.field
            )
        case .tooLarge:
            return APIError(.contentTooLarge, .payloadTooLarge, "Too large: \(error.description)", field: error.field)
        }
    }

    static func malformedJSON(_ error: JSONParseError) -> APIError {
        APIError(.badRequest, .malformedJSON, "Malformed JSON body: \(error.message) (at byte \(error.offset))")
    }

    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(.contentTooLarge, .payloadTooLarge, "Request body exceeds \(limit) bytes")
    }

    static func actionNotFound(_ reference: String) -> APIError {
        APIError(.notFound, .actionNotFound, "Action '\(reference)' not found")
    }

    static func illegalTransition(_ action: Action, attempted: String) -> APIError {
        APIError(
            .conflict,
            .illegalTransition,
            "Cannot \(attempted) action \(action.id.uuidString.lowercased()): its status is \(action.status.rawValue)",
            currentStatus: action.status
        )
    }

    /// `/result` for an action a server-side executor is running: only the executor records its end.
    static func executorRun(_ action: Action, executor: String) -> APIError {
        APIError(
            .conflict,
            .illegalTransition,
            "Cannot record a result for action \(action.id.uuidString.lowercased()): it is being run by the server-side executor '\(executor)', which records the result when the command ends",
            currentStatus: action.status
        )
    }

    static func unavailable(_ detail: String = "The database is unavailable; try again later") -> APIError {
        APIError(.serviceUnavailable, .serviceUnavailable, detail, headers: [.retryAfter: "1"])
    }

    /// A 500 that names nothing of the cause (logged by type only).
    static let unexpected = APIError(.internalServerError, .internalError, "Internal server error")
}
