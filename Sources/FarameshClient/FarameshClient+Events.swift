import AsyncHTTPClient
import FarameshAPI
import NIOCore
import NIOHTTP1

extension FarameshClient {
    /// `GET /v1/events` as a Server-Sent Events stream that reconnects by itself.
    ///
    /// Every reconnection sends `Last-Event-ID` (the last `id:` seen, or `lastEventID`), so no
    /// event is lost or repeated across a dropped connection. Answers 4xx (other than 408/429)
    /// end the stream with the error; transport errors and 5xx are retried with backoff. The
    /// stream ends when the consumer stops iterating (the task is cancelled).
    package func eventStream(
        path: String = "/v1/events",
        query: [(String, String)] = [],
        lastEventID: String? = nil,
        reconnect: ReconnectPolicy = ReconnectPolicy()
    ) -> AsyncThrowingStream<EventStreamElement, any Error> {
        let (stream, continuation) = AsyncThrowingStream<EventStreamElement, any Error>.makeStream()
        let task = Task {
            var lastID = lastEventID ?? ""
            var serverRetry: Duration?
            var failures = 0
            var everConnected = false
            while !Task.isCancelled {
                let reason: String
                do {
                    let request = self.request(
                        .GET,
                        path,
                        query: query,
                        headers: lastID.isEmpty ? [] : [("Last-Event-ID", lastID)],
                        accept: "text/event-stream"
                    )
                    let response = try await self.streamResponse(request)
                    everConnected = true
                    failures = 0
                    continuation.yield(.connected(lastEventID: lastID.isEmpty ? nil : lastID))
                    var parser = ServerSentEventParser(lastEventID: lastID)
                    for try await chunk in response.body {
                        for event in parser.feed(chunk.readableBytesView) {
                            continuation.yield(.event(event))
                        }
                        lastID = parser.lastEventID
                        serverRetry = parser.retryMilliseconds.map { .milliseconds($0) } ?? serverRetry
                    }
                    lastID = parser.lastEventID
                    reason = "the server closed the stream"
                } catch {
                    if Task.isCancelled || error is CancellationError { break }
                    let mapped = self.transportError(error)
                    if let clientError = mapped as? FarameshClientError, !Self.isRetryable(clientError) {
                        continuation.finish(throwing: clientError)
                        return
                    }
                    if !everConnected && reconnect.failFirstConnection {
                        continuation.finish(throwing: mapped)
                        return
                    }
                    reason = String(describing: mapped)
                }
                failures += 1
                let delay = reconnect.delay(afterFailures: failures, serverRetry: serverRetry)
                continuation.yield(.disconnected(reason: reason, retryIn: delay))
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    break
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Opens the stream; anything but `200 text/event-stream` is an error.
    private func streamResponse(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        let response = try await self.http.execute(request, deadline: .distantFuture)
        let status = Int(response.status.code)
        guard status == 200 else {
            let buffer = try await response.body.collect(upTo: 64 * 1024)
            let answer = Response(
                status: status,
                headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: Array(buffer.readableBytesView)
            )
            if status == 404 && Self.serverError(answer).errorCode == ErrorCode.notFound.rawValue {
                throw FarameshClientError.unexpectedResponse(
                    status: 404,
                    message: "this server has no event stream at \(request.url)"
                )
            }
            throw Self.serverError(answer)
        }
        let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        guard contentType.hasPrefix("text/event-stream") else {
            throw FarameshClientError.unexpectedResponse(
                status: status,
                message: "expected text/event-stream, got '\(contentType.isEmpty ? "no content type" : contentType)'"
            )
        }
        return response
    }

    /// Transport failures, timeouts, 5xx, 408 and 429 are worth another attempt.
    static func isRetryable(_ error: FarameshClientError) -> Bool {
        switch error {
        case .unreachable, .timedOut: return true
        case .invalidBaseURL: return false
        case .server(let status, _), .unexpectedResponse(let status, _):
            return status >= 500 || status == 408 || status == 429
        }
    }
}
