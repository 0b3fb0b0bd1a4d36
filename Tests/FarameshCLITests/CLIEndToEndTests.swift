import FarameshAPI
import FarameshClient
import FarameshCore
import FarameshStore
import Foundation
import Testing

@testable import faramesh

/// The real `faramesh` binary against a real `faramesh serve` on each store backend.
@Suite("faramesh CLI against a running server", .serialized)
struct CLIEndToEndTests {
    static let everyStatus: Set<ActionStatus> = Set(ActionStatus.allCases).subtracting([.pendingDecision])

    @Test(
        "FARAMESH_DEMO=1 seeds every status and risk level once, through the real decision path",
        arguments: Backend.allCases
    )
    func demoSeeding(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let seeded = try await RunningServer.with(database, environment: ["FARAMESH_DEMO": "1"]) { server in
                // The seeder runs next to the server; wait until all of it is visible.
                var actions: [ActionResponse] = []
                for _ in 0..<100 {
                    let result = try await server.cli(["list", "--json", "--limit", "100"])
                    #expect(result.status == 0, "\(result)")
                    actions = try result.actions()
                    if actions.count == DemoSeeder.scenarios.count { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                return actions
            }
            #expect(seeded.count == DemoSeeder.scenarios.count)
            #expect(Set(seeded.map(\.status)) == Self.everyStatus)
            #expect(Set(seeded.map(\.riskLevel)) == Set(RiskLevel.allCases))
            #expect(seeded.allSatisfy { $0.agentID.hasPrefix("demo-") })
            #expect(seeded.allSatisfy { $0.context == .object(["demo": .bool(true)]) })
            #expect(seeded.allSatisfy { $0.runtimeVersion == ServeSettings.runtimeVersion })

            // Genuine chains: the database verifier accepts every demo action.
            let verified = try await CLI.run(["verify-log", "--json"] + database.flags, directory: database.directory)
            #expect(verified.status == 0, "\(verified)")
            #expect(try verified.json()["ok"] == .bool(true))
            #expect(try verified.json()["actions"] == .int(Int64(DemoSeeder.scenarios.count)))

            // A second start on the same (no longer empty) database seeds nothing more; the
            // recorded demo decisions replay identically against the server's policy.
            try await RunningServer.with(database, environment: ["FARAMESH_DEMO": "1"]) { server in
                try await Task.sleep(for: .milliseconds(500))
                let again = try await server.cli(["list", "--json", "--limit", "100"])
                #expect(try again.actions().count == DemoSeeder.scenarios.count)
                for action in seeded.prefix(3) {
                    let replay = try await server.cli(["replay-decision", action.id, "--json"])
                    #expect(replay.status == 0, "\(replay)")
                }
            }
        }
    }

    @Test("list, get, approve, deny, events, logs, explain, replay, curl with role tokens", arguments: Backend.allCases)
    func lifecycle(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await RunningServer.with(database) { server in
                let (shell, http, refund, second) = try await server.client { client in
                    (
                        try await client.submit(
                            SubmitActionRequest(
                                agentID: "agent-a",
                                tool: "shell",
                                operation: "run",
                                params: .object(["cmd": .string("ls -la")])
                            )
                        ),
                        try await client.submit(
                            SubmitActionRequest(
                                agentID: "agent-b",
                                tool: "http",
                                operation: "get",
                                params: .object(["url": .string("https://example.com")])
                            )
                        ),
                        try await client.submit(
                            SubmitActionRequest(
                                agentID: "agent-a",
                                tool: "stripe",
                                operation: "refund",
                                params: .object(["amount": .int(10)])
                            )
                        ),
                        try await client.submit(
                            SubmitActionRequest(
                                agentID: "agent-a",
                                tool: "shell",
                                operation: "run",
                                params: .object(["cmd": .string("whoami")])
                            )
                        )
                    )
                }
                #expect(shell.status == .pendingApproval && http.status == .allowed && refund.status == .denied)

                // list: filters and JSON; the list never carries approval tokens.
                let all = try await server.cli(["list", "--json"], token: server.agentToken)
                #expect(all.status == 0, "\(all)")
                #expect(try all.actions().map(\.id) == [second.id, refund.id, http.id, shell.id])
                #expect(try all.actions().allSatisfy { $0.tokenField == .omitted })
                #expect(
                    try await server.cli(["list", "--json", "--status", "pending_approval"]).actions().map(\.id) == [
                        second.id, shell.id,
                    ]
                )
                #expect(try await server.cli(["list", "--json", "--tool", "http"]).actions().map(\.id) == [http.id])
                #expect(
                    try await server.cli(["--json", "list", "--agent", "agent-b"]).actions().map(\.id) == [http.id]
                )
                let page = try await server.cli(["list", "--limit", "1"])
                #expect(page.status == 0)
                #expect(page.stdout.hasPrefix("ID"))
                #expect(page.stdout.contains(String(second.id.prefix(8))) && !page.stdout.contains(second.id))
                #expect(!page.stdout.contains("\u{1B}["), "no colours when piped")
                #expect(page.stderr.contains("faramesh list --cursor"))
                let firstPage = try await server.cli(["list", "--json", "--limit", "2"])
                let cursor = try #require(firstPage.stderr.split(separator: " ").last).trimmingCharacters(
                    in: .whitespacesAndNewlines
                )
                let secondPage = try await server.cli(["list", "--json", "--limit", "2", "--cursor", cursor])
                #expect(secondPage.status == 0, "\(secondPage)")
                #expect(
                    try firstPage.actions().map(\.id) + secondPage.actions().map(\.id) == [
                        second.id, refund.id, http.id, shell.id,
                    ]
                )
                let full = try await server.cli(["list", "--full"])
                #expect(full.stdout.contains(shell.id))
                // Colours by status and risk on a terminal (a pseudo-terminal via script(1)), never with NO_COLOR.
                let command =
                    "'\(try CLI.binary().path)' list --port \(server.port) --token \(RunningServer.adminToken)"
                let script = URL(fileURLWithPath: "/usr/bin/script")
                let tty = try await CLI.run(
                    ["-qec", command, "/dev/null"],
                    directory: database.directory,
                    executable: script
                )
                #expect(tty.status == 0, "\(tty)")
                #expect(tty.stdout.contains("\u{1B}[33mpending_approval\u{1B}[0m"), "\(tty)")
                #expect(tty.stdout.contains("\u{1B}[31mdenied"), "\(tty)")
                let plain = try await CLI.run(
                    ["-qec", command, "/dev/null"],
                    environment: ["NO_COLOR": "1"],
                    directory: database.directory,
                    executable: script
                )
                #expect(plain.stdout.contains("pending_approval") && !plain.stdout.contains("\u{1B}["), "\(plain)")

                // get: by prefix; agents never see the approval token, approvers do.
                let asAgent = try await server.cli(
                    ["get", String(shell.id.prefix(8)), "--json"],
                    token: server.agentToken
                )
                #expect(asAgent.status == 0, "\(asAgent)")
                #expect(try asAgent.action().id == shell.id)
                #expect(try asAgent.action().approvalToken == nil)
                let asApprover = try await server.cli(
                    ["get", String(shell.id.prefix(13)), "--json"],
                    token: server.approverToken
                )
                let approvalToken = try #require(try asApprover.action().approvalToken)
                let text = try await server.cli(["get", shell.id])
                #expect(
                    text.stdout.contains("pending_approval") && text.stdout.contains("Shell commands require approval")
                )

                // curl: ready-to-copy lines, the bearer token stays in $FARAMESH_TOKEN.
                let curl = try await server.cli(["curl", String(shell.id.prefix(8))], token: server.approverToken)
                #expect(curl.status == 0, "\(curl)")
                #expect(curl.stdout.contains("-H \"Authorization: Bearer $FARAMESH_TOKEN\""))
                #expect(curl.stdout.contains("\(server.url)/v1/actions/\(shell.id)/approval"))
                #expect(curl.stdout.contains("\"token\": \"\(approvalToken)\""))
                for secret in [RunningServer.adminToken, server.agentToken, server.approverToken] {
                    #expect(!curl.stdout.contains(secret) && !curl.stderr.contains(secret))
                }
                let curlJSON = try await server.cli(["curl", http.id, "--json"], token: server.agentToken)
                let names = try curlJSON.json()["commands"].map { value -> [String] in
                    guard case .array(let items) = value else { return [] }
                    return items.compactMap { $0["name"]?.stringValue }
                }
                #expect(names == ["Show", "Events", "Start", "Report success", "Report failure"])

                // approve: agents may not; approvers may, once; a repeat is reported, not an error.
                let byAgent = try await server.cli(["approve", shell.id], token: server.agentToken)
                #expect(byAgent.status == 1)
                #expect(byAgent.stderr.contains("approver or admin role required"))
                let approved = try await server.cli(
                    ["allow", String(shell.id.prefix(8)), "--reason", "looks safe", "--json"],
                    token: server.approverToken
                )
                #expect(approved.status == 0, "\(approved)")
                #expect(try approved.action().status == .approved)
                #expect(try approved.action().reason == "looks safe")
                let again = try await server.cli(["approve", shell.id], token: server.approverToken)
                #expect(again.status == 0)
                #expect(again.stdout.contains("already approved"))
                let denyApproved = try await server.cli(["deny", shell.id], token: server.approverToken)
                #expect(denyApproved.status == 1)
                #expect(denyApproved.stderr.contains("its status is approved"))
                let denied = try await server.cli(
                    ["deny", second.id, "--reason", "not today"],
                    token: server.approverToken
                )
                #expect(denied.status == 0, "\(denied)")
                #expect(denied.stdout.contains("Denied \(second.id)"))

                // events and logs: the timeline with the approver's identity, chained.
                let events = try await server.cli(["events", shell.id, "--json"])
                guard case .array(let items) = try events.json() else { throw HarnessFailure("events is not an array") }
                let timeline = try items.map { try ActionEventResponse(json: $0) }
                #expect(timeline.map(\.eventType) == [.created, .decisionMade, .approved])
                #expect(timeline.last?.actor.hasPrefix("cli-approver-") == true)
                #expect(timeline.last?.meta["reason"] == .string("looks safe"))
                for (previous, event) in zip(timeline, timeline.dropFirst()) {
                    #expect(event.prevHash == previous.recordHash)
                }
                let logs = try await server.cli(["logs", String(shell.id.prefix(8)), "--json"])
                let statuses = try logs.json()["transitions"].map { value -> [String] in
                    guard case .array(let items) = value else { return [] }
                    return items.compactMap { $0["status"]?.stringValue }
                }
                #expect(statuses == ["submitted", "pending_approval", "approved"])
                let eventsTable = try await server.cli(["events", shell.id])
                #expect(eventsTable.stdout.contains("decision_made") && eventsTable.stdout.contains("approved"))

                // explain: reason, binding, and the loaded policy is the deciding one.
                let explain = try await server.cli(["explain", refund.id, "--json"])
                #expect(explain.status == 0, "\(explain)")
                #expect(try explain.json()["same_policy"] == .bool(true))
                #expect(try explain.json()["action"]?["reason_code"] == .string("POLICY_DENY"))
                let explainText = try await server.cli(["explain", refund.id])
                #expect(explainText.stdout.contains("Reason code: POLICY_DENY"))
                #expect(explainText.stdout.contains("The policy loaded now is the one that made this decision."))

                // replay: a new action with the same request and a pointer to the original.
                let replay = try await server.cli(["replay", http.id, "--json"], token: server.agentToken)
                #expect(replay.status == 0, "\(replay)")
                let replayed = try replay.action()
                #expect(replayed.id != http.id)
                #expect(replayed.params == http.params && replayed.tool == "http" && replayed.status == .allowed)
                #expect(replayed.context["replayed_from"] == .string(http.id))
                #expect(try await server.cli(["list", "--json"]).actions().count == 5)
            }
        }
    }

    @Test("replay-decision on the server and against local policy files", arguments: Backend.allCases)
    func replayDecision(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await RunningServer.with(database) { server in
                let action = try await server.client { client in
                    try await client.submit(
                        SubmitActionRequest(
                            agentID: "agent-r",
                            tool: "shell",
                            operation: "run",
                            params: .object(["cmd": .string("rm -rf /tmp/x")])
                        )
                    )
                }
                #expect(action.riskLevel == .high)

                let onServer = try await server.cli(["replay-decision", action.id, "--json"])
                #expect(onServer.status == 0, "\(onServer)")
                let json = try onServer.json()
                #expect(json["match"] == .bool(true) && json["mode"] == .string("server"))
                guard case .array(let fields)? = json["fields"] else { throw HarnessFailure("no fields") }
                #expect(
                    fields.compactMap { $0["field"]?.stringValue }
                        == ["outcome", "reason_code", "request_hash", "policy_hash", "profile_hash", "runtime_version"]
                )

                let samePolicy = try await server.cli(["replay-decision", action.id, "--policy", CLI.defaultPolicy])
                #expect(samePolicy.status == 0, "\(samePolicy)")
                #expect(samePolicy.stdout.contains("Decision reproduced: ABSTAIN POLICY_REQUIRE_APPROVAL."))

                let strict = database.directory.appendingPathComponent("deny-shell.yaml")
                try Data(
                    """
                    rules:
                      - match: {tool: shell, op: "*"}
                        deny: true
                        description: No shell at all
                    """.utf8
                ).write(to: strict)
                let changed = try await server.cli([
                    "replay-decision", String(action.id.prefix(8)), "--policy", strict.path, "--json",
                ])
                #expect(changed.status == 1, "\(changed)")
                #expect(try changed.json()["same_decision"] == .bool(false))
                #expect(try changed.json()["replayed"]?["outcome"] == .string("HALT"))
                let changedText = try await server.cli(["replay-decision", action.id, "--policy", strict.path])
                #expect(changedText.status == 1)
                #expect(changedText.stdout.contains("MISMATCH: outcome, reason_code, policy_hash differ."))

                let broken = database.directory.appendingPathComponent("broken.yaml")
                try Data("rules: [ {match: {tool: x}, allow: maybe} ]".utf8).write(to: broken)
                let invalid = try await server.cli(["replay-decision", action.id, "--policy", broken.path])
                #expect(invalid.status == 1, "\(invalid)")
                let missing = try await server.cli(["replay-decision", action.id, "--policy", "/nonexistent.yaml"])
                #expect(missing.status == 2, "\(missing)")
            }
        }
    }

    @Test("prefixes resolve on the server: unknown, ambiguous (matches listed), too short", arguments: Backend.allCases)
    func prefixes(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            // Two actions whose ids share the first 8 hex digits, written with the real decision path.
            let policy = try CompiledPolicy.compile(
                yaml: String(contentsOfFile: CLI.defaultPolicy, encoding: .utf8),
                source: "default.yaml"
            )
            let engine = DecisionEngine(policy: policy, runtimeVersion: "test")
            let ids = ["abcdef01-0000-4000-8000-000000000001", "abcdef01-0000-4000-8000-000000000002"].compactMap(
                UUID.init(uuidString:)
            )
            let settings = database.settings
            try await StoreFactory.withStore(settings, logger: TestDatabase.logger) { store in
                try await store.migrate()
                for id in ids {
                    _ = try await DemoSeeder.seed(
                        DemoSeeder.scenarios[0],
                        id: id,
                        store: store,
                        engine: engine,
                        at: Date(),
                        defaultApprovalTimeout: .seconds(3600)
                    )
                }
            }
            try await RunningServer.with(database) { server in
                let ambiguous = try await server.cli(["get", "abcdef01"])
                #expect(ambiguous.status == 1, "\(ambiguous)")
                #expect(ambiguous.stderr.contains("'abcdef01' matches several actions"))
                for id in ids { #expect(ambiguous.stderr.contains(id.uuidString.lowercased())) }
                let unique = try await server.cli(["get", "abcdef01-0000-4000-8000-0000000000", "--json"])
                #expect(unique.status == 1)
                let exact = try await server.cli(["events", "abcdef01-0000-4000-8000-000000000002", "--json"])
                #expect(exact.status == 0, "\(exact)")
                let unknown = try await server.cli(["get", "00000000"])
                #expect(unknown.status == 1)
                #expect(unknown.stderr.contains("no action matches '00000000'"))
                let short = try await server.cli(["get", "abc"])
                #expect(short.status == 2)
                let badToken = try await server.cli(["list"], token: "not-a-valid-token")
                #expect(badToken.status == 1)
                #expect(badToken.stderr.contains("HTTP 401"))
            }
        }
    }

    @Test("doctor checks database, migrations, policy, token and server", arguments: Backend.allCases)
    func doctor(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await RunningServer.with(database) { server in
                let doctor = try await server.cli(["doctor", "--json", "--policy", CLI.defaultPolicy] + database.flags)
                #expect(doctor.status == 0, "\(doctor)")
                let json = try doctor.json()
                #expect(json["ok"] == .bool(true))
                guard case .array(let checks)? = json["checks"] else { throw HarnessFailure("no checks") }
                func status(_ name: String) -> String? {
                    checks.first { $0["name"]?.stringValue == name }?["status"]?.stringValue
                }
                #expect(status("database") == "OK")
                #expect(status("migrations") == "OK")
                #expect(status("database writable") == "OK")
                #expect(status("policy") == "OK")
                #expect(status("token") == "OK")
                #expect(status("server") == "OK")
                #expect(status("web UI") == "OK")

                let broken = database.directory.appendingPathComponent("broken.yaml")
                try Data("rules: 12".utf8).write(to: broken)
                let failing = try await server.cli(["doctor", "--policy", broken.path] + database.flags)
                #expect(failing.status == 1, "\(failing)")
                #expect(failing.stdout.contains("FAIL  policy:"))
            }
        }
    }
}
