import FarameshCore

/// An MCP server run as a child process, spoken to over its stdin/stdout.
package final class StdioUpstream: UpstreamChannel {
    package let process: ChildProcess
    package let events: AsyncStream<UpstreamEvent>

    package struct Gone: Error, CustomStringConvertible {
        package var description: String
    }

    package init(arguments: [String]) throws(ChildProcess.SpawnError) {
        let process = try ChildProcess(arguments: arguments)
        self.process = process
        let (events, continuation) = AsyncStream<UpstreamEvent>.makeStream()
        self.events = events
        Task {
            for await event in process.output {
                switch event {
                case .line(let bytes): continuation.yield(.message(bytes))
                case .tooLong(let count): continuation.yield(.garbage("a line of \(count) bytes (over the limit)"))
                case .end: break
                }
            }
            // Stdout closed: the server exited (or closed it); wait briefly for the status.
            let status = await process.wait(timeout: .seconds(2))
            continuation.yield(.closed(status.map { "exited (\($0))" } ?? "closed its stdout"))
            continuation.finish()
        }
    }

    package func send(_ message: [UInt8], kind: JSONRPCMessage.Kind) async throws {
        guard !self.process.input.isClosed, self.process.exitStatus == nil else {
            throw Gone(description: "the MCP server is not running")
        }
        self.process.input.write(message)
    }

    package func close() async {
        await self.process.terminate()
    }
}
