import FarameshAPI
import FarameshCore
import Logging

/// One MCP session through the proxy: relays every message between one client and one server
/// unchanged, except `tools/call`, which the gatekeeper decides first.
package actor ProxySession {
    /// Prefix of the ids of requests the proxy itself sends upstream (`tools/list` to learn annotations).
    static let ownIDPrefix = "faramesh-mcp-"
    /// How long the proxy waits for the server to answer its own `tools/list`.
    static let ownRequestTimeout: Duration = .seconds(10)

    private let governor: ToolCallGovernor
    private let client: any ClientChannel
    private let upstream: any UpstreamChannel
    private let logger: Logger

    private var clientInfo: ClientInfo?
    private var catalog = ToolCatalog()
    /// Client requests forwarded upstream and not answered yet: id → method.
    private var forwarded: [JSONValue: String] = [:]
    /// Forwarded `tools/call`s: id → action id (their outcome is reported to the gatekeeper).
    private var governed: [JSONValue: String] = [:]
    /// `tools/call`s being decided (possibly held for approval).
    private var deciding: [JSONValue: Task<Void, Never>] = [:]
    /// Progress tokens of open client requests → request id (routes upstream progress).
    private var progressTokens: [JSONValue: JSONValue] = [:]
    private var ownRequests: [JSONValue: CheckedContinuation<JSONValue?, Never>] = [:]
    private var ownCounter = 0
    private var upstreamGone: String?

    package init(governor: ToolCallGovernor, client: any ClientChannel, upstream: any UpstreamChannel, logger: Logger) {
        self.governor = governor
        self.client = client
        self.upstream = upstream
        self.logger = logger
    }

    private var serverName: String { self.governor.settings.mapping.serverName }

    // MARK: - Upstream → client

    /// Relays the server's messages until it goes away; returns why it went away.
    package func run() async -> String {
        for await event in self.upstream.events {
            switch event {
            case .message(let bytes):
                await self.fromUpstream(bytes)
            case .garbage(let what):
                await self.upstreamGarbage(what)
            case .closed(let reason):
                await self.upstreamClosed(reason)
                return reason
            }
        }
        await self.upstreamClosed("closed")
        return "closed"
    }

    private func fromUpstream(_ bytes: [UInt8]) async {
        let message: JSONRPCMessage
        do {
            message = try JSONRPCMessage(bytes: bytes)
        } catch {
            await self.upstreamGarbage(String(decoding: bytes.prefix(200), as: UTF8.self))
            return
        }
        switch message.kind {
        case .response(let id):
            if let waiter = self.ownRequests.removeValue(forKey: id) {
                waiter.resume(returning: message.object["result"])
                return
            }
            let method = self.forwarded.removeValue(forKey: id)
            if method == "tools/list" { self.catalog.record(listResult: message.object["result"]) }
            if method == "tools/call" || method == "initialize" { self.forgetProgress(of: id) }
            await self.client.send(bytes, route: .response(id))
            // Start-up (the child, the connections) is over: what it ran leaves the resident set.
            if method == "initialize" { ResidentCode.release(after: .initialized) }
            if let actionID = self.governed.removeValue(forKey: id) {
                let (success, error) = Self.outcome(of: message)
                self.governor.reporter.report(actionID: actionID, success: success, error: error)
                // The whole relay path has run once: startup-only code can leave the resident set.
                ResidentCode.release(after: .firstCall)
            }
        case .notification(let method):
            if method == "notifications/tools/list_changed" { self.catalog.removeAll() }
            if method == "notifications/progress", let token = message.params?["progressToken"],
                let request = self.progressTokens[token]
            {
                await self.client.send(bytes, route: .related(request))
            } else {
                await self.client.send(bytes, route: .unrelated)
            }
        case .request:
            await self.client.send(bytes, route: .unrelated)
        }
    }

    /// A tool ran: success unless the server answered `isError: true` or a JSON-RPC error.
    static func outcome(of response: JSONRPCMessage) -> (Bool, String?) {
        if let error = response.object["error"] {
            let code = error["code"].map { CanonicalJSON.string($0) } ?? "?"
            return (false, "JSON-RPC error \(code): \(error["message"]?.stringValue ?? "")")
        }
        if case .bool(true)? = response.object["result"]?["isError"] {
            var text = "the tool returned isError"
            if case .array(let content)? = response.object["result"]?["content"],
                let first = content.first(where: { $0["type"]?.stringValue == "text" })?["text"]?.stringValue
            {
                text += ": " + first
            }
            return (false, String(text.prefix(2_000)))
        }
        return (true, nil)
    }

    private func upstreamGarbage(_ excerpt: String) async {
        self.logger.error("MCP server '\(self.serverName)' sent a message that is not JSON-RPC: \(excerpt)")
        await self.failForwarded(
            code: JSONRPCError.upstreamFailed,
            message: "The MCP server '\(self.serverName)' answered with something that is not JSON-RPC: \(excerpt)"
        )
    }

    private func upstreamClosed(_ reason: String) async {
        guard self.upstreamGone == nil else { return }
        self.upstreamGone = reason
        self.logger.notice("MCP server '\(self.serverName)' \(reason)")
        await self.failForwarded(
            code: JSONRPCError.upstreamFailed,
            message: "The MCP server '\(self.serverName)' \(reason) before answering"
        )
        for (_, waiter) in self.ownRequests { waiter.resume(returning: nil) }
        self.ownRequests.removeAll()
        let deciding = self.deciding
        self.deciding.removeAll()
        for (id, task) in deciding {
            task.cancel()
            let error = JSONRPCError(
                code: JSONRPCError.upstreamFailed,
                message: "The MCP server '\(self.serverName)' \(reason)",
                id: id
            )
            await self.client.send(error.bytes, route: .response(id))
        }
    }

    /// Answers every forwarded request with an error (the server will not answer them).
    private func failForwarded(code: Int, message: String) async {
        let pending = self.forwarded
        self.forwarded.removeAll()
        for (id, _) in pending.sorted(by: { CanonicalJSON.string($0.key) < CanonicalJSON.string($1.key) }) {
            self.forgetProgress(of: id)
            await self.client.send(JSONRPCError(code: code, message: message, id: id).bytes, route: .response(id))
            if let actionID = self.governed.removeValue(forKey: id) {
                self.governor.reporter.report(actionID: actionID, success: false, error: message)
            }
        }
    }

    private func forgetProgress(of id: JSONValue) {
        self.progressTokens = self.progressTokens.filter { $0.value != id }
    }

    // MARK: - Client → upstream

    /// Handles one message of the client (bytes as received).
    package func fromClient(_ bytes: [UInt8]) async {
        let message: JSONRPCMessage
        do {
            message = try JSONRPCMessage(bytes: bytes)
        } catch {
            await self.client.send(error.bytes, route: error.id == .null ? .unrelated : .response(error.id))
            return
        }
        switch message.kind {
        case .request(let id, let method):
            if self.forwarded[id] != nil || self.deciding[id] != nil {
                let error = JSONRPCError(
                    code: JSONRPCError.invalidRequest,
                    message: "Invalid Request: id \(CanonicalJSON.string(id)) is already in use",
                    id: id
                )
                await self.client.send(error.bytes, route: .response(id))
                return
            }
            if case .object(let meta)? = message.params?["_meta"], let token = meta["progressToken"] {
                self.progressTokens[token] = id
            }
            if method == "initialize" { self.clientInfo = ClientInfo(initializeParams: message.params) }
            if method == "tools/call" {
                await self.toolCall(message, id: id)
            } else {
                await self.forward(message, id: id, method: method)
            }
        case .notification(let method):
            if method == "notifications/cancelled", let target = message.params?["requestId"],
                let task = self.deciding.removeValue(forKey: target)
            {
                // Cancelled while deciding or held: the server never saw it. The action stays
                // pending; per MCP the cancelled request gets no response.
                task.cancel()
                self.forgetProgress(of: target)
                return
            }
            if method == "notifications/cancelled", let target = message.params?["requestId"],
                let actionID = self.governed.removeValue(forKey: target)
            {
                self.forwarded[target] = nil
                self.forgetProgress(of: target)
                self.governor.reporter.report(actionID: actionID, success: false, error: "cancelled by the MCP client")
            }
            try? await self.upstream.send(bytes, kind: message.kind)
        case .response:
            try? await self.upstream.send(bytes, kind: message.kind)
        }
    }

    private func forward(_ message: JSONRPCMessage, id: JSONValue, method: String) async {
        if let gone = self.upstreamGone {
            let error = JSONRPCError(
                code: JSONRPCError.upstreamFailed,
                message: "The MCP server '\(self.serverName)' \(gone)",
                id: id
            )
            await self.client.send(error.bytes, route: .response(id))
            return
        }
        self.forwarded[id] = method
        do {
            try await self.upstream.send(message.bytes, kind: message.kind)
        } catch {
            guard self.forwarded.removeValue(forKey: id) != nil else { return }
            self.forgetProgress(of: id)
            let failure = JSONRPCError(
                code: JSONRPCError.upstreamFailed,
                message: "Cannot reach the MCP server '\(self.serverName)': \(error)",
                id: id
            )
            await self.client.send(failure.bytes, route: .response(id))
            if let actionID = self.governed.removeValue(forKey: id) {
                self.governor.reporter.report(actionID: actionID, success: false, error: failure.message)
            }
        }
    }

    private func toolCall(_ message: JSONRPCMessage, id: JSONValue) async {
        let call: ToolCall
        do {
            call = try ToolCall(id: id, params: message.params)
        } catch {
            self.forgetProgress(of: id)
            await self.client.send(error.bytes, route: .response(id))
            return
        }
        self.deciding[id] = Task { await self.govern(call, message) }
    }

    private func govern(_ call: ToolCall, _ message: JSONRPCMessage) async {
        var annotations = self.catalog.annotations(for: call.name)
        if annotations == nil {
            await self.learnTools()
            annotations = self.catalog.annotations(for: call.name)
        }
        let client = self.client
        let id = call.id
        let decision: GovernedDecision
        do {
            decision = try await self.governor.decide(call, annotations: annotations, client: self.clientInfo) {
                bytes in
                await client.send(bytes, route: .related(id))
            }
        } catch {
            return  // cancelled: `fromClient` already forgot the call
        }
        guard self.deciding.removeValue(forKey: id) != nil else {
            // Cancelled after the decision was made; a started action is recorded as not run.
            if case .run(let actionID) = decision {
                self.governor.reporter.report(
                    actionID: actionID,
                    success: false,
                    error: "cancelled by the MCP client before it ran"
                )
            }
            return
        }
        switch decision {
        case .respond(let bytes):
            self.forgetProgress(of: id)
            await self.client.send(bytes, route: .response(id))
        case .run(let actionID):
            self.governed[id] = actionID
            await self.forward(message, id: id, method: "tools/call")
        }
    }

    /// Lists the server's tools (all pages) to learn annotations of a tool the client did not list.
    private func learnTools() async {
        var cursor: String?
        for _ in 0..<20 {
            guard self.upstreamGone == nil else { return }
            self.ownCounter += 1
            let id = JSONValue.string(Self.ownIDPrefix + String(self.ownCounter))
            var writer = JSONWriter(reservingCapacity: 128)
            writer.beginObject()
            writer.member("jsonrpc", "2.0")
            writer.member("id", json: id)
            writer.member("method", "tools/list")
            if let cursor {
                writer.key("params")
                writer.beginObject()
                writer.member("cursor", cursor)
                writer.endObject()
            }
            writer.endObject()
            let bytes = writer.bytes
            let upstream = self.upstream
            let result: JSONValue? = await withCheckedContinuation { continuation in
                self.ownRequests[id] = continuation
                Task {
                    do {
                        try await upstream.send(bytes, kind: .request(id: id, method: "tools/list"))
                    } catch {
                        await self.answerOwn(id, nil)
                        return
                    }
                    try? await Task.sleep(for: Self.ownRequestTimeout)
                    await self.answerOwn(id, nil)
                }
            }
            guard let result else { return }
            self.catalog.record(listResult: result)
            cursor = ToolCatalog.nextCursor(result)
            if cursor == nil { return }
        }
    }

    private func answerOwn(_ id: JSONValue, _ result: JSONValue?) {
        self.ownRequests.removeValue(forKey: id)?.resume(returning: result)
    }

    // MARK: - Shutdown

    /// The client went away: stop deciding, close the server (a child process is reaped).
    package func clientClosed() async {
        for (_, task) in self.deciding { task.cancel() }
        self.deciding.removeAll()
        for (id, actionID) in self.governed {
            self.forwarded[id] = nil
            self.governor.reporter.report(
                actionID: actionID,
                success: false,
                error: "the MCP client disconnected before the tool answered"
            )
        }
        self.governed.removeAll()
        await self.upstream.close()
    }
}
