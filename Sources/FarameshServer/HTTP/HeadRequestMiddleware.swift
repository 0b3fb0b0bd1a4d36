import Hummingbird
import HTTPTypes

/// `HEAD` on every `GET` route: the request is routed as `GET` (same authentication, same
/// validation, same status and headers) and the body is dropped. Routes that would open
/// something long-lived (the event stream) look at `AppRequestContext.isHeadRequest`.
struct HeadRequestMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        var head = request.head
        head.method = .get
        var context = context
        context.isHeadRequest = true
        let response = try await next(Request(head: head, body: request.body), context)
        // The headers stay as they are (Content-Length of the GET body included).
        return Response(status: response.status, headers: response.headers, body: ResponseBody())
    }
}
