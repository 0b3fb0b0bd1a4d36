import FarameshCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The Streamable HTTP sessions of `MCPHTTPServer`.
actor SessionHub {
    struct Entry {
        let session: ProxySession
        let channel: HTTPClientChannel
        let upstream: any UpstreamChannel
        var lastSeen: ContinuousClock.Instant
    }

    /// Most sessions at once (each may own a child process); more get 503.
    static let maxSessions = 64
    /// A session with no open stream and no request for this long is closed (its client is gone).
    static let idleTimeout: Duration = .seconds(30 * 60)

    let configuration: MCPProxyConfiguration
    let governor: ToolCallGovernor
    let logger: Logger
    private var sessions: [String: Entry] = [:]

    init(configuration: MCPProxyConfiguration, governor: ToolCallGovernor, logger: Logger) {
        self.configuration = configuration
        self.governor = governor
        self.logger = logger
    }

    static let sse: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache, no-transform"]

    func post(_ request: Request, context: some RequestContext) async throws -> Response {
        guard (request.headers[.contentType] ?? "").lowercased().hasPrefix("application/json") else {
            return MCPHTTPServer.jsonError(
                .unsupportedMediaType,
                JSONRPCError(
                    code: JSONRPCError.invalidRequest,
                    message: "Unsupported Media Type: send application/json"
                )
            )
        }
        let accept = (request.headers[.accept] ?? "").lowercased()
        guard accept.contains("text/event-stream") || accept.contains("*/*") else {
            return MCPHTTPServer.jsonError(
                .notAcceptable,
                JSONRPCError(
                    code: JSONRPCError.invalidRequest,
                    message: "Not Acceptable: the client must accept text/event-stream"
                )
            )
        }
        let buffer: ByteBuffer
        var request = request
        do {
            buffer = try await request.collectBody(upTo: MCPHTTPServer.maxBodyBytes)
        } catch {
            return MCPHTTPServer.jsonError(
                .contentTooLarge,
                JSONRPCError(
                    code: JSONRPCError.invalidRequest,
                    message: "Request too large: at most \(MCPHTTPServer.maxBodyBytes) bytes"
                )
            )
        }
        let bytes = Array(buffer.readableBytesView)
        let message: JSONRPCMessage
        do {
            message = try JSONRPCMessage(bytes: bytes)
        } catch {
            return MCPHTTPServer.jsonError(.badRequest, error)
        }
        let sessionID = request.headers[MCPHTTPServer.sessionHeader]
        let entry: Entry
        let newSessionID: String?
        if case .request(_, "initialize") = message.kind, sessionID == nil {
            guard self.sessions.count < Self.maxSessions else {
                return MCPHTTPServer.jsonError(
                    .serviceUnavailable,
                    JSONRPCError(
                        code: JSONRPCError.upstreamFailed,
                        message: "Too many sessions (\(Self.maxSessions)); close one first",
                        id: message.requestID ?? .null
                    )
                )
            }
            do {
                let id = UUID().uuidString.lowercased()
                entry = try self.create(id)
                newSessionID = id
            } catch {
                return MCPHTTPServer.jsonError(
                    .badGateway,
                    JSONRPCError(
                        code: JSONRPCError.upstreamFailed,
                        message: "Cannot start the MCP server: \(error)",
                        id: message.requestID ?? .null
                    )
                )
            }
        } else {
            guard let sessionID else {
                return MCPHTTPServer.jsonError(
                    .badRequest,
                    JSONRPCError(
                        code: JSONRPCError.invalidRequest,
                        message: "Bad Request: Mcp-Session-Id header is required (send initialize first)",
                        id: message.requestID ?? .null
                    )
                )
            }
            guard let existing = self.sessions[sessionID] else {
                return MCPHTTPServer.jsonError(
                    .notFound,
                    JSONRPCError(
                        code: JSONRPCError.invalidRequest,
                        message: "Session not found: initialize a new session",
                        id: message.requestID ?? .null
                    )
                )
            }
            entry = existing
            newSessionID = nil
            self.sessions[sessionID]?.lastSeen = .now
        }
        var headers = Self.sse
        if let id = newSessionID ?? sessionID { headers[MCPHTTPServer.sessionHeader] = id }
        guard case .request(let id, _) = message.kind else {
            await entry.session.fromClient(bytes)
            var accepted: HTTPFields = [:]
            if let sessionID { accepted[MCPHTTPServer.sessionHeader] = sessionID }
            return Response(status: .accepted, headers: accepted)
        }
        let stream = await entry.channel.openRequest(id)
        await entry.session.fromClient(bytes)
        return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: stream))
    }

    func get(_ request: Request) async -> Response {
        guard (request.headers[.accept] ?? "").lowercased().contains("text/event-stream") else {
            return MCPHTTPServer.jsonError(
                .notAcceptable,
                JSONRPCError(
                    code: JSONRPCError.invalidRequest,
                    message: "Not Acceptable: GET needs Accept: text/event-stream"
                )
            )
        }
        guard let sessionID = request.headers[MCPHTTPServer.sessionHeader], let entry = self.sessions[sessionID] else {
            return MCPHTTPServer.jsonError(
                .notFound,
                JSONRPCError(code: JSONRPCError.invalidRequest, message: "Session not found")
            )
        }
        guard let stream = await entry.channel.openStandalone() else {
            return MCPHTTPServer.jsonError(
                .conflict,
                JSONRPCError(
                    code: JSONRPCError.invalidRequest,
                    message: "Conflict: this session already has a GET stream"
                )
            )
        }
        var headers = Self.sse
        headers[MCPHTTPServer.sessionHeader] = sessionID
        return Response(status: .ok, headers: headers, body: ResponseBody(asyncSequence: stream))
    }

    func delete(_ request: Request) async -> Response {
        guard let sessionID = request.headers[MCPHTTPServer.sessionHeader],
            let entry = self.sessions.removeValue(forKey: sessionID)
        else {
            return MCPHTTPServer.jsonError(
                .notFound,
                JSONRPCError(code: JSONRPCError.invalidRequest, message: "Session not found")
            )
        }
        await entry.session.clientClosed()
        await entry.channel.closeAll()
        return Response(status: .ok)
    }

    private func create(_ id: String) throws -> Entry {
        let upstream = try MCPProxy.makeUpstream(self.configuration.upstream, logger: self.logger)
        let channel = HTTPClientChannel()
        let session = ProxySession(governor: self.governor, client: channel, upstream: upstream, logger: self.logger)
        let entry = Entry(session: session, channel: channel, upstream: upstream, lastSeen: .now)
        self.sessions[id] = entry
        Task {
            _ = await session.run()
            await self.ended(id)
        }
        return entry
    }

    /// The session's server went away: its streams end and its id is forgotten (clients re-initialize).
    private func ended(_ id: String) async {
        guard let entry = self.sessions.removeValue(forKey: id) else { return }
        await entry.upstream.close()
        await entry.channel.closeAll()
    }

    /// Keep-alive comments on every stream; closes sessions idle for `idleTimeout`.
    func keepAlive() async {
        let now = ContinuousClock.now
        for (id, entry) in self.sessions {
            if await entry.channel.hasOpenStreams {
                self.sessions[id]?.lastSeen = now
                await entry.channel.keepAlive()
            } else if now - entry.lastSeen > Self.idleTimeout {
                self.logger.notice("closing MCP session \(id): idle for \(Self.idleTimeout)")
                self.sessions[id] = nil
                await entry.session.clientClosed()
                await entry.channel.closeAll()
            }
        }
    }

    func closeAll() async {
        let all = self.sessions
        self.sessions.removeAll()
        for (_, entry) in all {
            await entry.session.clientClosed()
            await entry.channel.closeAll()
        }
    }
}
