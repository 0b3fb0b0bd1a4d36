import Hummingbird

/// Authenticates every request of the routes it is added to and stores the caller in the context.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.identity = try await self.authenticator.authenticate(authorization: request.headers[.authorization])
        return try await next(request, context)
    }
}
