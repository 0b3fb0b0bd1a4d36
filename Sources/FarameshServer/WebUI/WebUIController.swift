import FarameshAPI
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Serves the approver console: `GET /` (the page) and `GET /ui/{name}` (its CSS, modules and
/// icon), and `HEAD` of both. Public like `/health`: the page holds no data; its API calls carry the bearer token.
struct WebUIController: Sendable {
    typealias Context = AppRequestContext

    /// No inline script or style, no framing, no plugins, API calls to this origin only;
    /// Trusted Types make any `innerHTML`-style sink throw, so agent text can only ever be text.
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
        "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
        "require-trusted-types-for 'script'", "trusted-types 'none'",
    ].joined(separator: "; ")

    /// Revalidate every time: asset URLs carry no version, and a 304 on loopback costs nothing.
    static let cacheControl = "no-cache"

    func addRoutes(to router: Router<Context>) {
        router.get("/", use: self.index)
        router.get("ui/:name", use: self.asset)
        router.head("/", use: self.index)
        router.head("ui/:name", use: self.asset)
    }

    @Sendable func index(_ request: Request, context: Context) async throws -> Response {
        guard let page = WebUIAssets.index else { throw APIError(.notFound, .notFound, "Not found") }
        return Self.response(page, request: request)
    }

    @Sendable func asset(_ request: Request, context: Context) async throws -> Response {
        guard let name = context.parameters.get("name"), name != "index.html", let asset = WebUIAssets.byName[name]
        else {
            throw APIError(.notFound, .notFound, "Not found")
        }
        return Self.response(asset, request: request)
    }

    static func response(_ asset: WebUIAsset, request: Request) -> Response {
        let gzip = self.acceptsGzip(request.headers[values: .acceptEncoding])
        let etag = gzip ? asset.gzipETag : asset.etag
        var headers = self.securityHeaders
        headers[.eTag] = etag
        headers[.cacheControl] = self.cacheControl
        headers[.vary] = "Accept-Encoding"
        if let tags = request.headers[values: .ifNoneMatch].nonEmpty, self.matches(tags, asset: asset) {
            return Response(status: .notModified, headers: headers)
        }
        let body = gzip ? asset.gzipped : asset.bytes
        headers[.contentType] = asset.contentType
        headers[.contentLength] = String(body.count)
        if gzip { headers[.contentEncoding] = "gzip" }
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: contentSecurityPolicy,
        .xContentTypeOptions: "nosniff",
        HeaderName.referrerPolicy: "no-referrer",
        HeaderName.xFrameOptions: "DENY",
        HeaderName.crossOriginOpenerPolicy: "same-origin",
        .crossOriginResourcePolicy: "same-origin",
    ]

    /// Names HTTPTypes does not define (the literals are valid tokens, so the unwraps cannot fail).
    enum HeaderName {
        static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
        static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
        static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
    }

    /// RFC 9110 §12.5.3: gzip (or `*`) listed with a non-zero quality.
    static func acceptsGzip(_ values: [String]) -> Bool {
        var gzip: Bool?
        var star = false
        for value in values {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let coding = parts.first, !coding.isEmpty else { continue }
                let accepted = !parts.dropFirst().contains { parameter in
                    let pair = parameter.split(separator: "=", maxSplits: 1).map {
                        $0.trimmingCharacters(in: .whitespaces)
                    }
                    return pair.count == 2 && pair[0] == "q" && (Double(pair[1]) ?? 1) <= 0
                }
                if coding == "gzip" || coding == "x-gzip" { gzip = accepted }
                if coding == "*" { star = accepted }
            }
        }
        return gzip ?? star
    }

    /// `If-None-Match` uses the weak comparison (RFC 9110 §13.1.2): `W/` prefixes are ignored.
    /// A tag of either representation matches: both stand for the same file contents.
    static func matches(_ values: [String], asset: WebUIAsset) -> Bool {
        for value in values {
            for item in value.split(separator: ",") {
                var tag = item.trimmingCharacters(in: .whitespaces)
                if tag == "*" { return true }
                if tag.hasPrefix("W/") { tag.removeFirst(2) }
                if tag == asset.etag || tag == asset.gzipETag { return true }
            }
        }
        return false
    }
}

extension Array {
    fileprivate var nonEmpty: Self? { self.isEmpty ? nil : self }
}
