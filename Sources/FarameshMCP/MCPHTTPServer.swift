import Crypto
import FarameshClient
import FarameshCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `faramesh mcp-proxy --listen`: Streamable HTTP (MCP 2025-03-26 … 2025-11-25) at `/mcp` with
/// bearer authentication. Each client session gets its own upstream (a child process started at
/// `initialize`, or an upstream HTTP session).
package enum MCPHTTPServer {
    package static let path = "mcp"
    package static let maxBodyBytes = 16 * 1024 * 1024
    static let keepAliveInterval: Duration = .seconds(15)
    static let sessionHeader = HTTPField.Name("Mcp-Session-Id")!

    package static func run(_ configuration: MCPProxyConfiguration, logger: Logger) async throws {
        guard let listen = configuration.listen else { return }
        signal(SIGPIPE, SIG_IGN)
        let gatekeeper = Gatekeeper.client(configuration.gatekeeper)
        let governor = ToolCallGovernor(client: gatekeeper, settings: configuration.governor, logger: logger)
        let hub = SessionHub(configuration: configuration, governor: governor, logger: logger)
        let router = Router()
        let expected = SHA256.hash(data: Array(listen.token.utf8))
        router.add(middleware: BearerMiddleware<BasicRequestContext>(expected: Array(expected)))
        router.post(RouterPath(Self.path)) { request, context in try await hub.post(request, context: context) }
        router.get(RouterPath(Self.path)) { request, _ in await hub.get(request) }
        router.delete(RouterPath(Self.path)) { request, _ in await hub.delete(request) }
        let keepAlive = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.keepAliveInterval)
                await hub.keepAlive()
            }
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: nil),
            logger: logger
        )
        logger.notice(
            "MCP proxy '\(configuration.governor.mapping.serverName)' listening on http://\(listen.host):\(listen.port)/\(Self.path)"
        )
        do {
            try await app.runService()
        } catch {
            logger.error("MCP HTTP server stopped: \(error)")
        }
        keepAlive.cancel()
        await hub.closeAll()
        await governor.reporter.drain(timeout: MCPProxy.drainTimeout)
        try? await gatekeeper.shutdown()
    }

    static func jsonError(_ status: HTTPResponse.Status, _ error: JSONRPCError, session: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let session { headers[Self.sessionHeader] = session }
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: error.bytes))
        )
    }

    /// Bearer token check (digests compared in constant time) and DNS-rebinding protection:
    /// an `Origin` header must name a loopback host.
    struct BearerMiddleware<Context: RequestContext>: RouterMiddleware {
        let expected: [UInt8]

        func handle(
            _ request: Request,
            context: Context,
            next: (Request, Context) async throws -> Response
        ) async throws -> Response {
            if let origin = request.headers[.origin], !Self.isLoopbackOrigin(origin) {
                return MCPHTTPServer.jsonError(
                    .forbidden,
                    JSONRPCError(
                        code: JSONRPCError.invalidRequest,
                        message: "Forbidden: origin \(origin) is not allowed"
                    )
                )
            }
            let header = request.headers[.authorization] ?? ""
            let parts = header.split(separator: " ", maxSplits: 1)
            let token = parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : ""
            let digest = Array(SHA256.hash(data: Array(token.utf8)))
            var difference: UInt8 = 0
            for (a, b) in zip(digest, self.expected) { difference |= a ^ b }
            guard !token.isEmpty, difference == 0 else {
                var response = MCPHTTPServer.jsonError(
                    .unauthorized,
                    JSONRPCError(
                        code: JSONRPCError.invalidRequest,
                        message: "Unauthorized: missing or invalid bearer token"
                    )
                )
                response.headers[.wwwAuthenticate] = "Bearer"
                return response
            }
            return try await next(request, context)
        }

        static func isLoopbackOrigin(_ origin: String) -> Bool {
            guard let host = URLComponents(string: origin)?.host?.lowercased() else { return false }
            return host == "localhost" || host == "127.0.0.1" || host == "::1" || host == "[::1]"
        }
    }
}
