import FarameshAPI
import Hummingbird

/// Counts requests and their latency per route template, method and status.
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorMiddleware sits inside this one, so only framework errors get here.
            let apiError = ErrorMiddleware.apiError(for: error, request: request, context: context)
            self.metrics.recordError(code: apiError.body.code)
            let answer = apiError.response(from: request, context: context)
            self.record(request: request, context: context, status: answer.status.code, start: start)
            return answer
        }
        self.record(request: request, context: context, status: response.status.code, start: start)
        return response
    }

    private func record(request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        let route = context.endpointPath ?? "unmatched"
        self.metrics.recordRequest(
            route: route == "NotFound" ? "unmatched" : route,
            method: request.method.rawValue,
            status: status,
            duration: ContinuousClock.now - start
        )
    }
}
