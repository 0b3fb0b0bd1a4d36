import FarameshAPI
import FarameshClient
import FarameshCore
import Foundation
import Testing

@testable import faramesh

/// Agent-controlled text never reaches the operator's terminal raw (issue 10, finding 10).
@Suite("CLI output escapes control characters")
struct TerminalTextTests {
    /// ESC/OSC (title, clipboard), CSI, C1 CSI, BEL, DEL, NUL-free.
    static let hostile = "ok\u{1B}]0;pwned\u{07}\u{1B}]52;c;ZXZpbA==\u{07}\u{1B}[2J\u{9B}31m\u{7F}\u{08}end\ttab\nline"

    /// Every scalar of `text` a terminal would act on, other than line breaks between records.
    static func rawControls(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { TerminalText.isControl($0) && $0 != "\n" }
    }

    @Test func visibleEscapes() {
        let shown = TerminalText.visible(Self.hostile)
        #expect(Self.rawControls(shown).isEmpty && !shown.contains("\n"))
        #expect(shown == #"ok\x1b]0;pwned\x07\x1b]52;c;ZXZpbA==\x07\x1b[2J\u{9b}31m\x7f\x08end\ttab\nline"#)
        #expect(TerminalText.visible("plain ünïcode ✓") == "plain ünïcode ✓")
    }

    @Test func jsonStaysTheSameValue() throws {
        let text = CanonicalJSON.string(.object(["p": .string(Self.hostile)]))
        #expect(!Self.rawControls(text).isEmpty, "canonical JSON leaves DEL and C1 raw")
        let safe = TerminalText.json(text)
        #expect(Self.rawControls(safe).isEmpty)
        #expect(try JSONParser.parse(Array(safe.utf8)) == .object(["p": .string(Self.hostile)]))
    }

    @Test func tablesAndTailLines() {
        var table = TextTable(header: ["A", "B"])
        table.add([Self.hostile, "x"])
        #expect(Self.rawControls(table.render()).isEmpty)
        let event = ServerSentEvent(
            id: "1",
            event: "message",
            data: CanonicalJSON.string(
                .object([
                    "action_id": .string("abcdef0123"), "status": .string("allowed"),
                    "tool": .string("t\u{9B}2J"), "operation": .string("op\u{7F}"),
                ])
            )
        )
        #expect(Self.rawControls(TailCommand.summary(event)).isEmpty)
        let notJSON = ServerSentEvent(id: nil, event: "x\u{1B}]0;t\u{07}", data: "\u{1B}[2J")
        #expect(Self.rawControls(TailCommand.summary(notJSON)).isEmpty)
    }

    @Test("get, list, logs, events, explain (text and --json) against a server holding hostile text")
    func commandsAgainstAServer() async throws {
        try await TestDatabase.with(.sqlite) { database in
            try await RunningServer.with(database) { server in
                let action = try await server.client { client in
                    let submitted = try await client.submit(
                        SubmitActionRequest(
                            agentID: "agent-a",
                            tool: "http",
                            operation: "get",
                            params: .object(["cmd": .string(Self.hostile), Self.hostile: .int(1)]),
                            context: .object(["note": .string(Self.hostile)])
                        )
                    )
                    return try await client.result(submitted.id, ResultRequest(success: false, error: Self.hostile))
                }
                #expect(action.reason?.contains("\u{1B}]0;") == true, "stored as sent")
                for arguments in [
                    ["get", action.id], ["list"], ["list", "--full"], ["logs", action.id], ["events", action.id],
                    ["events", action.id, "--full"], ["explain", action.id],
                    ["get", action.id, "--json"], ["list", "--json"], ["logs", action.id, "--json"],
                    ["events", action.id, "--json"], ["explain", action.id, "--json"],
                ] {
                    let run = try await server.cli(arguments, token: RunningServer.adminToken)
                    #expect(run.status == 0, "\(arguments) \(run)")
                    #expect(Self.rawControls(run.stdout).isEmpty, "\(arguments): \(run.stdout.debugDescription)")
                    #expect(Self.rawControls(run.stderr).isEmpty, "\(arguments)")
                }
                let get = try await server.cli(["get", action.id], token: RunningServer.adminToken)
                #expect(get.stdout.contains(#"\x1b]0;pwned\x07"#), "\(get.stdout)")
                let json = try await server.cli(["get", action.id, "--json"], token: RunningServer.adminToken)
                #expect(
                    try ActionResponse(json: try JSONParser.parse(Array(json.stdout.utf8))).reason == action.reason,
                    "--json output is the same value, escaped"
                )
            }
        }
    }
}
