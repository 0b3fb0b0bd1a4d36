import FarameshAPI
import FarameshCore
import FarameshStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every error into a JSON error response, so no client ever sees an empty or plain-text
/// 500, and maps domain/store errors to their HTTP meaning. Logs error types, never error texts.
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Counts every error answer by code (`faramesh_errors_total{error_type}`); nil: not counted.
    var metrics: ServerMetrics? = nil

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.apiError(for: error, request: request, context: context)
            self.metrics?.recordError(code: apiError.body.code)
            return apiError.response(from: request, context: context)
        }
    }

    static func response(for error: any Error, request: Request, context: Context) -> Response {
        let apiError = self.apiError(for: error, request: request, context: context)
        return apiError.response(from: request, context: context)
    }

    static func apiError(for error: any Error, request: Request, context: Context) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as WireValidationError:
            return .validation(error)
        case let error as JSONParseError:
            return .malformedJSON(error)
        case is NIOTooManyBytesError:
            return .bodyTooLarge(limit: AppRequestContext.maxBodyBytes)
        case let error as StoreError:
            return self.apiError(for: error, context: context)
        case is Deadline.Exceeded:
            context.logger.warning("Request exceeded its time limit")
            return .unavailable("The request took too long (is the database reachable?); try again later")
        case let error as HTTPError:
            return self.apiError(for: error, request: request, context: context)
        case let error as HTTPParserError:
            // The request's framing is broken (bad chunk size, …): the connection cannot be
            // reused; `ConnectionGuardHandler` closes it after this answer.
            return APIError(
                .badRequest,
                .badRequest,
                "Malformed HTTP request (\(error))",
                headers: [.connection: "close"]
            )
        case let error as any HTTPResponseError:
            let status = error.status
            let code: ErrorCode = status.code >= 500 ? .internalError : .validationError
            return APIError(status, code, status.reasonPhrase)
        default:
            // Only the type: an error's text may carry internals (SQL, addresses) or secrets.
            context.logger.error("Unhandled error", metadata: ["error.type": "\(type(of: error))"])
            return .unexpected
        }
    }

    static func apiError(for error: StoreError, context: Context) -> APIError {
        switch error {
        case .notFound:
            return APIError(.notFound, .actionNotFound, "Action not found")
        case .illegalTransition(let current):
            return .illegalTransition(current, attempted: "change")
        case .idempotencyConflict(let existing):
            return APIError(
                .unprocessableContent,
                .idempotencyConflict,
                "Idempotency-Key was already used for a different request (action \(existing.uuidString.lowercased()))",
                field: "Idempotency-Key"
            )
        case .duplicateToken:
            // No route creates tokens; reaching this is a bug.
            context.logger.error("Unexpected duplicate-token error from the store")
            return .unexpected
        case .unavailable:
            context.logger.warning("Store unavailable")
            return .unavailable()
        }
    }

    /// Hummingbird's own errors: unknown route (404, or 405 when only the method is wrong),
    /// bad percent-encoding and the like.
    static func apiError(for error: HTTPError, request: Request, context: Context) -> APIError {
        switch error.status {
        case .notFound:
            let allowed = RouteTable.allowedMethods(path: request.uri.path)
            if !allowed.isEmpty {
                return APIError(
                    .methodNotAllowed,
                    .methodNotAllowed,
                    "Method \(request.method.rawValue) is not allowed here",
                    headers: [.allow: allowed.joined(separator: ", ")]
                )
            }
            return APIError(.notFound, .notFound, "Not found")
        case .contentTooLarge:
            return .bodyTooLarge(limit: AppRequestContext.maxBodyBytes)
        default:
            let status = error.status
            if status.code >= 500 {
                context.logger.error("Framework error", metadata: ["status": "\(status.code)"])
                return .unexpected
            }
            return APIError(status, .validationError, status.reasonPhrase)
        }
    }
}

/// The routes the service serves, for telling 405 from 404.
enum RouteTable {
    static let routes: [(segments: [String], methods: [String])] = [
        (["health"], ["GET"]),
        (["ready"], ["GET"]),
        (["metrics"], ["GET"]),
        (["openapi.yaml"], ["GET"]),
        (["v1", "actions"], ["GET", "POST"]),
        (["v1", "actions", ":id"], ["GET"]),
        (["v1", "actions", ":id", "events"], ["GET"]),
        (["v1", "actions", ":id", "approval"], ["POST"]),
        (["v1", "actions", ":id", "start"], ["POST"]),
        (["v1", "actions", ":id", "result"], ["POST"]),
        (["v1", "events"], ["GET"]),
        (["v1", "gate", "decide"], ["POST"]),
        (["v1", "policy", "info"], ["GET"]),
        (["v1", "auth", "whoami"], ["GET"]),
        (["v1", "ledger", "public-key"], ["GET"]),
        (["v1", "ledger", "checkpoints"], ["GET"]),
        (["v1", "ledger", "proof", ":id"], ["GET"]),
        (["v1", "ledger", "consistency"], ["GET"]),
    ]

    /// The web UI's page and assets: not API routes, so not in the OpenAPI document.
    static let pageRoutes: [(segments: [String], methods: [String])] = [
        ([], ["GET"]),
        (["ui", ":name"], ["GET"]),
    ]

    /// The methods of the route at `path`; `HEAD` wherever `GET` is (`HeadAsGetResponder`).
    static func allowedMethods(path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        for route in self.routes + self.pageRoutes where route.segments.count == segments.count {
            let matches = zip(route.segments, segments).allSatisfy { template, segment in
                template.hasPrefix(":") || template == segment
            }
            if matches {
                return route.methods.flatMap { $0 == "GET" ? ["GET", "HEAD"] : [$0] }
            }
        }
        return []
    }
}
