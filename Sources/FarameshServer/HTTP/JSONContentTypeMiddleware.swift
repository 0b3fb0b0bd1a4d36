import FarameshAPI
import HTTPTypes
import Hummingbird

/// Mutating routes take JSON only: a POST without `Content-Type: application/json` (parameters
/// such as `charset` allowed) is 415, even when its body is empty. Browsers cannot send that
/// type cross-site without a CORS preflight, so a web page cannot post "simple" `text/plain`
/// or form requests to the API.
struct JSONContentTypeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post || request.method == .put || request.method == .patch || request.method == .delete
        else {
            return try await next(request, context)
        }
        guard let value = request.headers[.contentType], Self.isJSON(value) else {
            throw APIError(.unsupportedMediaType, .unsupportedMediaType, "Content-Type must be application/json")
        }
        return try await next(request, context)
    }

    /// `application/json`, case-insensitive, optionally followed by `;` parameters.
    static func isJSON(_ value: String) -> Bool {
        var mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        while mediaType.first == " " || mediaType.first == "\t" { mediaType = mediaType.dropFirst() }
        while mediaType.last == " " || mediaType.last == "\t" { mediaType = mediaType.dropLast() }
        return mediaType.lowercased() == "application/json"
    }
}
