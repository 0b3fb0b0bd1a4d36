import FarameshStore
import Hummingbird

/// Authenticates every request of the routes it is added to and stores the caller in the context.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: Authenticator

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.identity = try await self.authenticator.authenticate(authorization: request.headers[.authorization])
        return try await next(request, context)
    }
}

/// Lets only admin identities through (after `AuthMiddleware`).
struct RequireAdminMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard try context.requireIdentity().role == .admin else {
            throw APIError.forbidden("Only admin tokens can read this (or start the server with --metrics-public)")
        }
        return try await next(request, context)
    }
}
