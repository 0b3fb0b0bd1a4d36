import Hummingbird
import HTTPTypes

/// Permissive CORS for browser clients that send bearer tokens (no cookies, so `*` is safe):
/// answers preflights, and adds `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers`
/// (so scripts can read the paging headers) to every response. Hummingbird's own middleware
/// does not expose headers on actual responses.
struct CORSHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static let allowMethods = "GET, POST, OPTIONS"
    static let allowHeaders = "Accept, Authorization, Content-Type, Idempotency-Key"
    static let exposeHeaders = "X-Next-Cursor, Link"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.origin] != nil else { return try await next(request, context) }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(status: .noContent, headers: [
                .accessControlAllowOrigin: "*",
                .accessControlAllowMethods: Self.allowMethods,
                .accessControlAllowHeaders: Self.allowHeaders,
                .accessControlMaxAge: "600",
            ])
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[.accessControlExposeHeaders] = Self.exposeHeaders
        return response
    }
}
