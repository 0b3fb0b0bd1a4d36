import AsyncHTTPClient
import FarameshClient
import FarameshCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A Streamable HTTP MCP server (2025-03-26 … 2025-11-25): every client message is POSTed; a
/// request's answer comes as JSON or as an SSE stream; server-initiated messages come on the
/// GET stream opened after `initialize`. The SDK's `HTTPClientTransport` buffers SSE on Linux,
/// so this client reads the streams itself.
package final class HTTPUpstream: UpstreamChannel {
    package static let maxBodyBytes = 64 * 1024 * 1024

    let url: String
    let extraHeaders: [(String, String)]
    let http: HTTPClient
    let logger: Logger
    package let events: AsyncStream<UpstreamEvent>
    private let continuation: AsyncStream<UpstreamEvent>.Continuation
    private let state = Mutex(State())

    private struct State {
        var sessionID: String?
        var protocolVersion: String?
        var initializeID: JSONValue?
        var listening = false
        var closed = false
        var tasks: [UUID: Task<Void, Never>] = [:]
    }

    package struct InvalidURL: Error, CustomStringConvertible {
        package var description: String
    }

    package init(url: String, headers: [(String, String)], logger: Logger) throws(InvalidURL) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", components.host?.isEmpty == false
        else {
            throw InvalidURL(description: "invalid --upstream URL '\(url)': expected http(s)://host[:port]/path")
        }
        self.url = url
        self.extraHeaders = headers
        self.logger = logger
        var settings = HTTPClient.Configuration()
        settings.timeout = .init(connect: .seconds(5), read: nil)
        settings.redirectConfiguration = .disallow
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
        (self.events, self.continuation) = AsyncStream<UpstreamEvent>.makeStream()
    }

    private func request(_ method: HTTPMethod, accept: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: self.url)
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        let (session, version) = self.state.withLock { ($0.sessionID, $0.protocolVersion) }
        if let session { request.headers.add(name: "Mcp-Session-Id", value: session) }
        if let version { request.headers.add(name: "MCP-Protocol-Version", value: version) }
        for (name, value) in self.extraHeaders { request.headers.add(name: name, value: value) }
        return request
    }

    package func send(_ message: [UInt8], kind: JSONRPCMessage.Kind) async throws {
        var request = self.request(.POST, accept: "application/json, text/event-stream")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(message)
        var requestID: JSONValue?
        if case .request(let id, let method) = kind {
            requestID = id
            if method == "initialize" {
                self.state.withLock { $0.initializeID = id }
                // The session id of the answer is needed by every later message.
                await self.post(request, requestID: id)
                return
            }
        }
        let id = requestID
        let prepared = request
        self.spawn { await self.post(prepared, requestID: id) }
    }

    private func spawn(_ body: @escaping @Sendable () async -> Void) {
        let key = UUID()
        let task = Task {
            await body()
            _ = self.state.withLock { $0.tasks.removeValue(forKey: key) }
        }
        let closed = self.state.withLock { state -> Bool in
            if !state.closed { state.tasks[key] = task }
            return state.closed
        }
        if closed { task.cancel() }
    }

    private func fail(_ requestID: JSONValue?, _ message: String) {
        self.logger.warning("MCP server at \(self.url): \(message)")
        guard let requestID else { return }
        self.continuation.yield(
            .message(JSONRPCError(code: JSONRPCError.upstreamFailed, message: message, id: requestID).bytes)
        )
    }

    private func post(_ request: HTTPClientRequest, requestID: JSONValue?) async {
        let response: HTTPClientResponse
        do {
            response = try await self.http.execute(request, deadline: .distantFuture)
        } catch {
            self.fail(
                requestID,
                "cannot reach the MCP server at \(self.url) (\(FarameshClient.reason(String(describing: error))))"
            )
            return
        }
        if let session = response.headers.first(name: "Mcp-Session-Id") {
            self.state.withLock { $0.sessionID = session }
        }
        let status = Int(response.status.code)
        if status == 202 || status == 204 { return }
        guard (200..<300).contains(status) else {
            let body = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
            let expired = status == 404 && self.state.withLock { $0.sessionID != nil }
            self.fail(
                requestID,
                expired
                    ? "the MCP server ended the session (HTTP 404)"
                    : "the MCP server answered HTTP \(status): \(body.prefix(200))"
            )
            return
        }
        let contentType = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        if contentType.hasPrefix("text/event-stream") {
            await self.pump(response.body, requestID: requestID)
        } else {
            do {
                let buffer = try await response.body.collect(upTo: Self.maxBodyBytes)
                self.deliver(Array(buffer.readableBytesView))
            } catch {
                self.fail(requestID, "reading the MCP server's answer failed: \(error)")
            }
        }
    }

    private func pump(_ body: HTTPClientResponse.Body, requestID: JSONValue?) async {
        var parser = ServerSentEventParser()
        do {
            for try await chunk in body {
                for event in parser.feed(chunk.readableBytesView) where !event.data.isEmpty {
                    if event.event.isEmpty || event.event == "message" { self.deliver(Array(event.data.utf8)) }
                }
            }
        } catch {
            if !Task.isCancelled { self.logger.warning("MCP server stream ended: \(error)") }
        }
    }

    private func deliver(_ bytes: [UInt8]) {
        self.continuation.yield(.message(bytes))
        // Learn the negotiated version from the initialize answer, then listen for server messages.
        let initializeID = self.state.withLock { $0.initializeID }
        guard let initializeID, let json = try? JSONParser.parse(bytes, maxDepth: JSONParser.depthLimit),
            json["id"] == initializeID, let version = json["result"]?["protocolVersion"]?.stringValue
        else { return }
        let startListening = self.state.withLock { state -> Bool in
            state.protocolVersion = version
            state.initializeID = nil
            defer { state.listening = true }
            return !state.listening
        }
        if startListening { self.spawn { await self.listen() } }
    }

    /// The standalone GET stream; reopened after it drops, given up when the server has none (405).
    private func listen() async {
        var delay = Duration.milliseconds(500)
        while !Task.isCancelled, !self.state.withLock({ $0.closed }) {
            do {
                let response = try await self.http.execute(
                    self.request(.GET, accept: "text/event-stream"),
                    deadline: .distantFuture
                )
                let status = Int(response.status.code)
                if status == 405 || status == 404 || status == 400 { return }
                if status == 200 {
                    delay = .milliseconds(500)
                    await self.pump(response.body, requestID: nil)
                }
            } catch {
                if Task.isCancelled { return }
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
        }
    }

    package func close() async {
        let (tasks, session, wasClosed) = self.state.withLock { state in
            defer {
                state.closed = true
                state.tasks = [:]
            }
            return (state.tasks, state.sessionID, state.closed)
        }
        guard !wasClosed else { return }
        for (_, task) in tasks { task.cancel() }
        if session != nil {
            _ = try? await self.http.execute(
                self.request(.DELETE, accept: "application/json"),
                deadline: .now() + .seconds(2)
            )
        }
        self.continuation.yield(.closed("closed"))
        self.continuation.finish()
        try? await self.http.shutdown()
    }
}
