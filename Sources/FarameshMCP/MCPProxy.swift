import Dispatch
import FarameshClient
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `faramesh mcp-proxy`.
package enum MCPProxy {
    /// Exit status when the upstream server went away.
    package static let upstreamGoneStatus: Int32 = 1
    /// How long outstanding `/result` reports may take at exit.
    package static let drainTimeout: Duration = .seconds(5)

    package static func makeUpstream(
        _ upstream: MCPProxyConfiguration.Upstream,
        logger: Logger
    ) throws -> any UpstreamChannel {
        switch upstream {
        case .command(let arguments):
            return try StdioUpstream(arguments: arguments)
        case .http(let url, let headers):
            return try HTTPUpstream(url: url, headers: headers, logger: logger)
        }
    }

    /// Stdio on the client side: runs until the client closes stdin, the server goes away or a
    /// SIGTERM/SIGINT arrives; returns the exit status.
    package static func runStdio(_ configuration: MCPProxyConfiguration, logger: Logger) async -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let gatekeeper = Gatekeeper.client(configuration.gatekeeper)
        let governor = ToolCallGovernor(client: gatekeeper, settings: configuration.governor, logger: logger)
        let upstream: any UpstreamChannel
        do {
            upstream = try self.makeUpstream(configuration.upstream, logger: logger)
        } catch {
            logger.critical("\(error)")
            try? await gatekeeper.shutdown()
            return 2
        }
        let stdout = LineWriter(fd: 1, name: "mcp-stdout")
        let session = ProxySession(
            governor: governor,
            client: StdioClientChannel(writer: stdout),
            upstream: upstream,
            logger: logger
        )
        let stdin = LineReader.lines(fd: 0, name: "mcp-stdin")

        enum Ending: Sendable {
            case client
            case upstream(String)
            case signal(Int32)
        }
        let ending: Ending = await withTaskGroup(of: Ending.self) { group in
            group.addTask { .upstream(await session.run()) }
            group.addTask {
                for await event in stdin {
                    switch event {
                    case .line(let bytes):
                        await session.fromClient(bytes)
                    case .tooLong(let count):
                        stdout.write(
                            JSONRPCError(
                                code: JSONRPCError.parseError,
                                message: "Parse error: a message of \(count) bytes is over the limit"
                            ).bytes
                        )
                    case .end:
                        return .client
                    }
                }
                return .client
            }
            group.addTask { .signal(await self.nextTerminationSignal()) }
            let first = await group.next() ?? .client
            group.cancelAll()
            return first
        }
        var status: Int32 = 0
        switch ending {
        case .client:
            logger.debug("MCP client closed the connection")
            await session.clientClosed()
        case .upstream(let reason):
            logger.notice("MCP server \(reason); exiting")
            await upstream.close()
            status = self.upstreamGoneStatus
        case .signal(let signal):
            await session.clientClosed()
            status = 128 + signal
        }
        await governor.reporter.drain(timeout: self.drainTimeout)
        await stdout.flush()
        try? await gatekeeper.shutdown()
        return status
    }

    /// The next SIGTERM or SIGINT (the default handlers are replaced while the proxy runs).
    static func nextTerminationSignal() async -> Int32 {
        nonisolated(unsafe) let sources = [SIGTERM, SIGINT].map { number -> (Int32, any DispatchSourceSignal) in
            signal(number, SIG_IGN)
            return (number, DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        let received: Int32 = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
                let once = OnceFlag()
                for (number, source) in sources {
                    source.setEventHandler { if once.set() { continuation.resume(returning: number) } }
                    source.setCancelHandler { if once.set() { continuation.resume(returning: 0) } }
                    source.resume()
                }
            }
        } onCancel: {
            for (_, source) in sources { source.cancel() }
        }
        for (_, source) in sources { source.cancel() }
        return received
    }
}
