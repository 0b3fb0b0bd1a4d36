import FarameshAPI
import FarameshCore
import FarameshStore
import FarameshTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FarameshServer

/// Issue 10, findings 1, 4 and 11: a token acts only as the agent ids it was created for, agent
/// tokens see only those agents' actions, and idempotency keys belong to their caller.
@Suite struct IdentityBindingTests {
    static let teamToken = "test-team-token-0123456789"

    /// A token "bot" that may act as `team-*`, `ops.exact`, `ops_*` and `svc[1]*` (not as its
    /// own name); `_`, `%`, `[` and `?` are literal characters in a grant.
    static func addTeamToken(_ h: ServerHarness) async throws {
        try await h.store.createToken(
            APIToken(
                id: UUID(),
                name: "bot",
                role: .agent,
                tokenHash: SHA256Hex.hash(teamToken),
                createdAt: Date(),
                agentIDs: ["team-*", "ops.exact", "ops_*", "svc[1]*"]
            )
        )
    }

    @Test(arguments: TestBackend.all) func submitAndGateRejectAgentIDsOutsideTheToken(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let foreign = try await h.submit(tool: "http", operation: "get", agent: "trusted-bot")
            #expect(foreign.status == .forbidden)
            #expect(try foreign.error().code == "AGENT_ID_MISMATCH")
            let gate = try await h.send(
                .post,
                "/v1/gate/decide",
                token: ServerHarness.agentToken,
                body: #"{"agent_id":"trusted-bot","tool":"http","operation":"get","params":{}}"#
            )
            #expect(gate.status == .forbidden)
            #expect(try gate.error().code == "AGENT_ID_MISMATCH")
            // Approvers are bound too; nothing was recorded for the refused submits.
            let approver = try await h.submit(
                tool: "http",
                operation: "get",
                agent: "agent-1",
                token: ServerHarness.approverToken
            )
            #expect(try approver.error().code == "AGENT_ID_MISMATCH")
            let all = try await h.send(.get, "/v1/actions", token: ServerHarness.adminToken)
            #expect(try all.array().isEmpty)

            // Its own name is fine, and the stored action and its audit trail carry it.
            let own = try await h.submitted(tool: "http", operation: "get", agent: "agent-1")
            #expect(own.agentID == "agent-1")
            #expect(try await h.events(own.id).first?.actor == "agent-1")
            let ownGate = try await h.send(
                .post,
                "/v1/gate/decide",
                token: ServerHarness.agentToken,
                body: #"{"agent_id":"agent-1","tool":"http","operation":"get","params":{}}"#
            )
            #expect(ownGate.status == .ok)
            // Admins act for any agent id.
            let admin = try await h.submit(
                tool: "http",
                operation: "get",
                agent: "trusted-bot",
                token: ServerHarness.adminToken
            )
            #expect(admin.status == .ok)
        }
    }

    @Test(arguments: TestBackend.all) func agentIDGrantsWithGlobs(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            try await Self.addTeamToken(h)
            for agent in ["team-a", "team-", "ops.exact", "ops_1", "svc[1]x"] {
                let reply = try await h.submit(tool: "http", operation: "get", agent: agent, token: Self.teamToken)
                #expect(reply.status == .ok, "\(agent): \(reply.text)")
            }
            // The grants replace the default: not its own name, not a near miss.
            for agent in ["bot", "tea-x", "TEAM-A", "ops.exactly", "ops", "opsX1", "svc1x"] {
                let reply = try await h.submit(tool: "http", operation: "get", agent: agent, token: Self.teamToken)
                #expect(reply.status == .forbidden, "\(agent)")
            }
            // Reads follow the grants: both stores translate the globs (LIKE / GLOB) exactly.
            for agent in ["opsX1", "svc1x", "teamXa", "TEAM-A", "bot"] {
                _ = try await h.submitted(tool: "http", operation: "get", agent: agent, token: ServerHarness.adminToken)
            }
            let listed = try await h.send(.get, "/v1/actions?limit=100", token: Self.teamToken)
            let agents = try listed.array().map { try ActionResponse(json: $0).agentID }
            #expect(agents.count == 5)
            #expect(Set(agents) == ["team-a", "team-", "ops.exact", "ops_1", "svc[1]x"])
        }
    }

    @Test(arguments: TestBackend.all) func agentTokensSeeOnlyTheirAgentsActions(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let mine = try await h.submitted(tool: "http", operation: "get", agent: "agent-1")
            let theirs = try await h.submitted(
                tool: "http",
                operation: "get",
                agent: "agent-2",
                token: ServerHarness.agent2Token
            )
            let prefix = String(theirs.id.prefix(8))
            for path in ["/v1/actions/\(theirs.id)", "/v1/actions/\(theirs.id)/events", "/v1/actions/\(prefix)"] {
                let reply = try await h.send(.get, path, token: ServerHarness.agentToken)
                #expect(reply.status == .notFound, "\(path)")
                #expect(try reply.error().code == "ACTION_NOT_FOUND")
            }
            // Exactly the answer for an id that does not exist.
            let missing = try await h.send(
                .get,
                "/v1/actions/\(UUID().uuidString.lowercased())",
                token: ServerHarness.agentToken
            )
            let hidden = try await h.send(.get, "/v1/actions/\(theirs.id)", token: ServerHarness.agentToken)
            #expect(try missing.error().detail.count == hidden.error().detail.count)

            let start = try await h.send(
                .post,
                "/v1/actions/\(theirs.id)/start",
                token: ServerHarness.agentToken,
                body: "{}"
            )
            #expect(start.status == .notFound)
            let result = try await h.send(
                .post,
                "/v1/actions/\(theirs.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true}"#
            )
            #expect(result.status == .notFound)
            let untouched = try await h.send(.get, "/v1/actions/\(theirs.id)", token: ServerHarness.adminToken)
            #expect(try untouched.action().status == .allowed)

            let list = try await h.send(.get, "/v1/actions", token: ServerHarness.agentToken)
            #expect(try list.array().map { try ActionResponse(json: $0).id } == [mine.id])
            let filtered = try await h.send(.get, "/v1/actions?agent_id=agent-2", token: ServerHarness.agentToken)
            #expect(try filtered.array().isEmpty)

            // Approvers and admins see everything; an approver may not act for another agent.
            let approverList = try await h.send(.get, "/v1/actions", token: ServerHarness.approverToken)
            #expect(try approverList.array().count == 2)
            let approverGet = try await h.send(.get, "/v1/actions/\(theirs.id)", token: ServerHarness.approverToken)
            #expect(approverGet.status == .ok)
            let approverStart = try await h.send(
                .post,
                "/v1/actions/\(theirs.id)/start",
                token: ServerHarness.approverToken,
                body: "{}"
            )
            #expect(approverStart.status == .forbidden)
            #expect(try approverStart.error().code == "AGENT_ID_MISMATCH")
            let adminStart = try await h.send(
                .post,
                "/v1/actions/\(theirs.id)/start",
                token: ServerHarness.adminToken,
                body: "{}"
            )
            #expect(try adminStart.action().status == .executing)
            // The owner still acts on its own.
            let ownStart = try await h.send(
                .post,
                "/v1/actions/\(mine.id)/start",
                token: ServerHarness.agentToken,
                body: "{}"
            )
            #expect(try ownStart.action().status == .executing)
            let ownResult = try await h.send(
                .post,
                "/v1/actions/\(mine.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true}"#
            )
            #expect(try ownResult.action().status == .succeeded)
        }
    }

    @Test(arguments: TestBackend.all) func idempotencyKeysAreScopedByCaller(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let key: HTTPFields = [.idempotencyKey: "shared-key-1"]
            // agent-2 claims the key first, for its own request: it does not block agent-1.
            let preClaim = try await h.submit(
                tool: "http",
                operation: "get",
                params: #"{"x":2}"#,
                agent: "agent-2",
                token: ServerHarness.agent2Token,
                headers: key
            )
            #expect(preClaim.status == .ok)
            let first = try await h.submit(tool: "http", operation: "get", params: #"{"x":1}"#, headers: key)
            #expect(first.status == .ok, "\(first.text)")
            let replay = try await h.submit(tool: "http", operation: "get", params: #"{"x":1}"#, headers: key)
            #expect(try replay.action().id == first.action().id)
            #expect(try first.action().id != preClaim.action().id)
            // Replaying agent-1's key with agent-1's exact request as admin: a new action, not agent-1's.
            let asAdmin = try await h.submit(
                tool: "http",
                operation: "get",
                params: #"{"x":1}"#,
                agent: "agent-1",
                token: ServerHarness.adminToken,
                headers: key
            )
            #expect(asAdmin.status == .ok)
            #expect(try asAdmin.action().id != first.action().id)
            #expect(try await h.events(try asAdmin.action().id).first?.actor == "bootstrap-admin")
            // Within one caller a different request with the key is still a conflict.
            let conflict = try await h.submit(tool: "http", operation: "get", params: #"{"x":3}"#, headers: key)
            #expect(try conflict.error().code == "IDEMPOTENCY_CONFLICT")
        }
    }

    @Test(arguments: TestBackend.all) func formatCharactersInAgentIDAndToolAre422(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            for (agent, tool, field) in [
                ("agent-1\u{202E}", "http", "agent_id"), ("agent\u{200B}-1", "http", "agent_id"),
                ("agent-1", "ht\u{2066}tp", "tool"), ("agent-1", "http\u{E0041}", "tool"),
                ("agent-1", "\u{FEFF}http", "tool"),
            ] {
                let body = CanonicalJSON.string(
                    .object([
                        "agent_id": .string(agent), "tool": .string(tool), "operation": .string("get"),
                        "params": .object([:]),
                    ])
                )
                let reply = try await h.send(.post, "/v1/actions", token: ServerHarness.adminToken, body: body)
                #expect(reply.status == .unprocessableContent, "\(agent.debugDescription) \(tool.debugDescription)")
                #expect(try reply.error().field == field)
            }
            // Visible non-ASCII names stay fine.
            let body = #"{"agent_id":"agent-é","tool":"outil-日本","operation":"get","params":{}}"#
            #expect(try await h.send(.post, "/v1/actions", token: ServerHarness.adminToken, body: body).status == .ok)
        }
    }
}
