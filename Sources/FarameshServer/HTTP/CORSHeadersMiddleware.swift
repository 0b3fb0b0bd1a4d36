import FarameshAPI
import HTTPTypes
import Hummingbird

/// CORS for browser clients on the origins the operator named (`--cors-origin`): answers their
/// preflights, and adds `Access-Control-Allow-Origin: <that origin>` (never `*`: responses carry
/// approval tokens), `Vary: Origin` and `Access-Control-Expose-Headers` (so scripts can read the
/// paging headers). Other origins get no CORS headers, so browsers keep their pages from reading
/// anything. In local mode no CORS header is ever sent: local mode has no credential, so any
/// page allowed to read it would hold the admin API.
struct CORSHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static let allowMethods = "GET, POST, OPTIONS"
    static let allowHeaders = "Accept, Authorization, Content-Type, Idempotency-Key, Last-Event-ID"
    static let exposeHeaders = "X-Next-Cursor, Link"

    /// Exact origins (`scheme://host[:port]`), compared case-insensitively.
    let allowedOrigins: Set<String>
    let authenticator: Authenticator

    init(allowedOrigins: [String], authenticator: Authenticator) {
        self.allowedOrigins = Set(allowedOrigins.map { $0.lowercased() })
        self.authenticator = authenticator
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let origin = request.headers[.origin], self.authenticator.mode == .tokens,
            self.allowedOrigins.contains(origin.lowercased())
        else {
            var response = try await next(request, context)
            if self.authenticator.mode == .tokens { response.headers[.vary] = "Origin" }
            return response
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: origin,
                    .accessControlAllowMethods: Self.allowMethods,
                    .accessControlAllowHeaders: Self.allowHeaders,
                    .accessControlMaxAge: "600",
                    .vary: "Origin",
                ]
            )
        }
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.accessControlExposeHeaders] = Self.exposeHeaders
        response.headers[.vary] = "Origin"
        return response
    }

    /// A CORS origin as browsers send it: `http` or `https`, a host, an optional port, nothing
    /// else (no path, no trailing slash, no `*`).
    static func isValidOrigin(_ origin: String) -> Bool {
        let lower = origin.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = lower.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            rest = lower.dropFirst(7)
        } else {
            return false
        }
        guard !rest.isEmpty else { return false }
        return rest.utf8.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
                || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
        }
    }
}
