import HTTPTypes
import Hummingbird

/// Headers every response carries: `X-Content-Type-Options: nosniff`, and
/// `Strict-Transport-Security` when this server terminates TLS itself.
struct TransportHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let servesTLS: Bool

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // Errors that passed every inner middleware still become JSON, with these headers.
            response = ErrorMiddleware.response(for: error, request: request, context: context)
        }
        response.headers[.xContentTypeOptions] = "nosniff"
        if self.servesTLS {
            response.headers[.strictTransportSecurity] = TLSPolicy.strictTransportSecurity
        }
        return response
    }
}
