import AsyncHTTPClient
import FarameshAPI
import Foundation
import NIOCore
import NIOHTTP1

/// HTTP client of the gatekeeper's API (used by the `faramesh` CLI and tests).
///
/// One instance owns one connection pool; call `shutdown()` when done (or use `withClient`).
/// A server that is down fails fast: connection attempts are not retried and time out after
/// `connectTimeout`, so a refused connection is reported at once instead of being retried
/// until the request deadline.
package final class FarameshClient: Sendable {
    /// Largest response body accepted (a full page of 1000 actions with large params fits).
    package static let maxResponseBytes = 128 * 1024 * 1024

    package let configuration: FarameshClientConfiguration
    let http: HTTPClient

    package init(configuration: FarameshClientConfiguration) {
        self.configuration = configuration
        var settings = HTTPClient.Configuration()
        settings.timeout = .init(
            connect: Self.timeAmount(configuration.connectTimeout),
            read: Self.timeAmount(configuration.streamIdleTimeout)
        )
        settings.connectionPool.retryConnectionEstablishment = false
        settings.redirectConfiguration = .disallow
        self.http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: settings)
    }

    /// Closes the connection pool. Call once; the client cannot be used afterwards.
    package func shutdown() async throws {
        try await self.http.shutdown()
    }

    /// Runs `body` with a new client and shuts it down afterwards, also when `body` throws.
    package static func withClient<T: Sendable>(
        _ configuration: FarameshClientConfiguration,
        _ body: (FarameshClient) async throws -> T
    ) async throws -> T {
        let client = FarameshClient(configuration: configuration)
        let result: T
        do {
            result = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return result
    }

    // MARK: - Actions

    /// `POST /v1/actions`.
    package func submit(_ request: SubmitActionRequest, idempotencyKey: String? = nil) async throws -> ActionResponse {
        var headers: [(String, String)] = []
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let response = try await self.send(.POST, "/v1/actions", body: request.jsonBytes, headers: headers)
        return try Self.decode(response, ActionResponse.init(json:))
    }

    /// `GET /v1/actions` (newest first); the next page's cursor comes from `X-Next-Cursor`.
    package func listActions(_ query: ActionListQuery = ActionListQuery()) async throws -> ActionListPage {
        let response = try await self.send(.GET, "/v1/actions", query: query.queryItems)
        let actions = try Self.decode(response) { (json: JSONValue) throws(WireValidationError) -> [ActionResponse] in
            guard case .array(let items) = json else {
                throw WireValidationError(field: "", message: "must be a JSON array")
            }
            var actions: [ActionResponse] = []
            actions.reserveCapacity(items.count)
            for item in items { actions.append(try ActionResponse(json: item)) }
            return actions
        }
        let cursor = response.header("X-Next-Cursor").flatMap { $0.isEmpty ? nil : $0 }
        return ActionListPage(actions: actions, nextCursor: cursor)
    }

    /// `GET /v1/actions/{id}`: a full id or a prefix of at least 8 hex digits, resolved by the
    /// server (409 `AMBIGUOUS_ID_PREFIX` with the matches when several actions match).
    package func action(_ reference: String) async throws -> ActionResponse {
        let response = try await self.send(.GET, Self.actionPath(reference))
        return try Self.decode(response, ActionResponse.init(json:))
    }

    /// `GET /v1/actions/{id}/events`, oldest first.
    package func events(_ reference: String) async throws -> [ActionEventResponse] {
        let response = try await self.send(.GET, Self.actionPath(reference) + "/events")
        return try Self.decode(response) { (json: JSONValue) throws(WireValidationError) -> [ActionEventResponse] in
            guard case .array(let items) = json else {
                throw WireValidationError(field: "", message: "must be a JSON array")
            }
            var events: [ActionEventResponse] = []
            for item in items { events.append(try ActionEventResponse(json: item)) }
            return events
        }
    }

    /// `POST /v1/actions/{id}/approval` (approver or admin token).
    package func approval(_ reference: String, _ body: ApprovalRequest) async throws -> ActionResponse {
        let response = try await self.send(.POST, Self.actionPath(reference) + "/approval", body: body.jsonBytes)
        return try Self.decode(response, ActionResponse.init(json:))
    }

    /// `POST /v1/actions/{id}/start`.
    package func start(_ reference: String) async throws -> ActionResponse {
        let response = try await self.send(.POST, Self.actionPath(reference) + "/start", body: Array("{}".utf8))
        return try Self.decode(response, ActionResponse.init(json:))
    }

    /// `POST /v1/actions/{id}/result`.
    package func result(_ reference: String, _ body: ResultRequest) async throws -> ActionResponse {
        let response = try await self.send(.POST, Self.actionPath(reference) + "/result", body: body.jsonBytes)
        return try Self.decode(response, ActionResponse.init(json:))
    }

    // MARK: - Gate, policy, probes

    /// `POST /v1/gate/decide`: decides without recording anything.
    package func decide(_ request: SubmitActionRequest) async throws -> GateDecisionResponse {
        let response = try await self.send(.POST, "/v1/gate/decide", body: request.jsonBytes)
        return try Self.decode(response, GateDecisionResponse.init(json:))
    }

    /// `GET /v1/policy/info`.
    package func policyInfo() async throws -> PolicyInfoResponse {
        let response = try await self.send(.GET, "/v1/policy/info")
        return try Self.decode(response, PolicyInfoResponse.init(json:))
    }

    /// `GET /health`: true when the process answers `{"status":"healthy"}`.
    package func health() async throws -> Bool {
        let response = try await self.send(.GET, "/health")
        return response.status == 200
    }

    /// `GET /ready`: the status (200 ready, 503 not ready) and the parsed body.
    package func readiness() async throws -> (ready: Bool, body: JSONValue?) {
        let response = try await self.send(.GET, "/ready")
        return (response.status == 200, try? JSONParser.parse(response.body))
    }

    /// Any `GET` (e.g. `/` for the web UI), without status checks.
    package func get(_ path: String) async throws -> Response {
        try await self.send(.GET, path)
    }

    // MARK: - Transport

    /// A complete HTTP answer.
    package struct Response: Sendable {
        package var status: Int
        package var headers: [(name: String, value: String)]
        package var body: [UInt8]

        /// First value of a header (case-insensitive name).
        package func header(_ name: String) -> String? {
            self.headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    func request(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)] = [],
        body: [UInt8]? = nil,
        headers: [(String, String)] = [],
        accept: String = "application/json"
    ) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: self.configuration.baseURL.url(path, query: query))
        request.method = method
        request.headers.add(name: "Accept", value: accept)
        request.headers.add(name: "User-Agent", value: self.configuration.userAgent)
        if let token = self.configuration.token, !token.isEmpty {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(body)
        }
        return request
    }

    private func send(
        _ method: HTTPMethod,
        _ path: String,
        query: [(String, String)] = [],
        body: [UInt8]? = nil,
        headers: [(String, String)] = []
    ) async throws -> Response {
        let request = self.request(method, path, query: query, body: body, headers: headers)
        let timeout = self.configuration.requestTimeout
        do {
            let response = try await self.http.execute(request, deadline: .now() + Self.timeAmount(timeout))
            let buffer = try await response.body.collect(upTo: Self.maxResponseBytes)
            return Response(
                status: Int(response.status.code),
                headers: response.headers.map { (name: $0.name, value: $0.value) },
                body: Array(buffer.readableBytesView)
            )
        } catch {
            throw self.transportError(error)
        }
    }

    /// Maps AsyncHTTPClient / NIO errors to one-line `FarameshClientError`s.
    func transportError(_ error: any Error) -> any Error {
        if error is FarameshClientError || error is CancellationError { return error }
        let url = self.configuration.baseURL.text
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout:
                return FarameshClientError.timedOut(url: url, after: self.configuration.requestTimeout)
            case .connectTimeout, .tlsHandshakeTimeout:
                return FarameshClientError.unreachable(
                    url: url,
                    reason:
                        "connection timed out after \(FarameshClientError.format(self.configuration.connectTimeout))"
                )
            case .remoteConnectionClosed:
                return FarameshClientError.unreachable(url: url, reason: "connection closed by the server")
            case .cancelled:
                return CancellationError()
            case .invalidURL, .emptyHost, .emptyScheme:
                return FarameshClientError.invalidBaseURL(url)
            default:
                return FarameshClientError.unreachable(url: url, reason: error.shortDescription.lowercased())
            }
        }
        return FarameshClientError.unreachable(url: url, reason: Self.reason(String(describing: error)))
    }

    /// A short, lower-case reason from NIO's error descriptions (which carry the errno text).
    package static func reason(_ description: String) -> String {
        let lowered = description.lowercased()
        let known: [(String, String)] = [
            ("connection refused", "connection refused"),
            ("connection reset", "connection reset"),
            ("network is unreachable", "network is unreachable"),
            ("no route to host", "no route to host"),
            ("host is down", "host is down"),
            ("timed out", "connection timed out"),
            ("unknownhost", "unknown host"),
            ("name or service not known", "unknown host"),
            ("nodename nor servname", "unknown host"),
            ("ssl", "TLS handshake failed"),
            ("tls", "TLS handshake failed"),
        ]
        for (needle, reason) in known where lowered.contains(needle) { return reason }
        let firstLine = description.split(whereSeparator: \.isNewline).first.map(String.init) ?? description
        return String(firstLine.prefix(160))
    }

    static func actionPath(_ reference: String) -> String {
        "/v1/actions/" + BaseURL.encode(reference)
    }

    // MARK: - Decoding

    static func decode<T>(_ response: Response, _ make: (JSONValue) throws(WireValidationError) -> T) throws -> T {
        guard (200..<300).contains(response.status) else { throw self.serverError(response) }
        let json: JSONValue
        do {
            json = try JSONParser.parse(response.body)
        } catch {
            throw FarameshClientError.unexpectedResponse(status: response.status, message: "the body is not JSON")
        }
        do {
            return try make(json)
        } catch {
            throw FarameshClientError.unexpectedResponse(status: response.status, message: error.description)
        }
    }

    /// The error body of a non-2xx answer, or a short excerpt when it is not the API's format.
    static func serverError(_ response: Response) -> FarameshClientError {
        if let json = try? JSONParser.parse(response.body), let error = try? ErrorResponse(json: json) {
            return .server(status: response.status, error: error)
        }
        let text = String(decoding: response.body.prefix(200), as: UTF8.self)
            .unicodeScalars.map { $0.properties.generalCategory == .control ? " " : String($0) }.joined()
            .trimmingCharacters(in: .whitespaces)
        return .unexpectedResponse(status: response.status, message: text.isEmpty ? "empty body" : text)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
