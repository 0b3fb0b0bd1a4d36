import FarameshAPI
import FarameshCore
import FarameshTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FarameshServer

/// Issue 10: nosniff everywhere, HEAD on GET routes, unknown list parameters, NUL in text
/// fields, and the byte budget of a list page.
@Suite("HTTP hardening")
struct HTTPHardeningTests {
    @Test("X-Content-Type-Options: nosniff on answers, errors, 404s and 405s", arguments: TestBackend.all)
    func noSniffEverywhere(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let replies = [
                try await h.send(.get, "/health"),
                try await h.send(.get, "/v1/actions", token: ServerHarness.agentToken),
                try await h.send(.get, "/v1/actions"),
                try await h.send(.get, "/v1/actions?limit=0", token: ServerHarness.agentToken),
                try await h.send(.get, "/no/such/route"),
                try await h.send(.delete, "/v1/actions"),
                try await h.send(.post, "/v1/actions", token: ServerHarness.agentToken, body: "{"),
            ]
            #expect(replies.map(\.status.code) == [200, 200, 401, 422, 404, 405, 400])
            for reply in replies {
                #expect(reply.headers[.xContentTypeOptions] == "nosniff", "\(reply.status)")
                #expect(reply.headers[.strictTransportSecurity] == nil, "no HSTS without TLS")
            }
        }
    }

    @Test("HEAD on every GET route: same status and headers, no body; 405 lists HEAD", arguments: TestBackend.all)
    func headOnGetRoutes(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let action = try await h.submitted(tool: "http", operation: "get")
            for path in [
                "/health", "/openapi.yaml", "/v1/actions?limit=5", "/v1/actions/\(action.id)",
                "/v1/actions/\(action.id)/events", "/v1/policy/info", "/v1/ledger/checkpoints", "/metrics",
            ] {
                let get = try await h.send(.get, path, token: ServerHarness.adminToken)
                let head = try await h.send(.head, path, token: ServerHarness.adminToken)
                #expect(get.status == .ok, "\(path) \(get.text)")
                #expect(head.status == get.status, "\(path)")
                #expect(head.bytes.isEmpty, "\(path)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(path)")
                if path != "/metrics" {  // its counters move between the two calls
                    #expect(head.headers[.contentLength] == get.headers[.contentLength], "\(path)")
                } else {
                    #expect(head.headers[.contentLength] != nil)
                }
            }
            #expect(try await h.send(.head, "/v1/actions").status == .unauthorized)
            #expect(
                try await h.send(
                    .head,
                    "/v1/actions/\(UUID().uuidString.lowercased())",
                    token: ServerHarness.agentToken
                ).status == .notFound
            )
            let wrong = try await h.send(.delete, "/health")
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "GET, HEAD")
        }
    }

    @Test(
        "unknown query parameters on GET /v1/actions are 422 naming the parameter; the 0.3.3 client's are fine",
        arguments: TestBackend.all
    )
    func unknownListParameters(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            for (query, field) in [("limt=5", "limt"), ("status=allowed&colour=red", "colour"), ("agent=a", "agent")] {
                let reply = try await h.send(.get, "/v1/actions?\(query)", token: ServerHarness.agentToken)
                #expect(reply.status == .unprocessableContent, "\(query)")
                #expect(try reply.error().field == field, "\(query)")
            }
            // faramesh-sdk 0.3.3 list_actions sends limit, offset and optional agent_id, tool, status.
            let published = try await h.send(
                .get,
                "/v1/actions?limit=20&offset=0&agent_id=agent-1&tool=http&status=allowed",
                token: ServerHarness.agentToken
            )
            #expect(published.status == .ok, "\(published.text)")
            let ours = try await h.send(.get, "/v1/actions?risk_level=low&limit=2", token: ServerHarness.agentToken)
            #expect(ours.status == .ok)
        }
    }

    @Test(
        "U+0000 in an approval reason or a result error is a 422 naming the field, never a 503",
        arguments: TestBackend.all
    )
    func nulInFreeText(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let pending = try await h.submitted(tool: "shell", operation: "run")
            let token = try await h.approvalToken(pending.id)
            let approval = try await h.send(
                .post,
                "/v1/actions/\(pending.id)/approval",
                token: ServerHarness.approverToken,
                body: #"{"token":"\#(token)","approve":true,"reason":"ok\u0000"}"#
            )
            #expect(approval.status == .unprocessableContent, "\(approval.text)")
            #expect(try approval.error().field == "reason")
            // Still decidable afterwards, with a clean reason; other control characters are kept.
            let approved = try await h.send(
                .post,
                "/v1/actions/\(pending.id)/approval",
                token: ServerHarness.approverToken,
                body: #"{"token":"\#(token)","approve":true,"reason":"ok\u001b[31m"}"#
            )
            #expect(approved.status == .ok, "\(approved.text)")
            #expect(try approved.action().reason == "ok\u{1B}[31m")

            let allowed = try await h.submitted(tool: "http", operation: "get")
            let result = try await h.send(
                .post,
                "/v1/actions/\(allowed.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":false,"error":"boom\u0000"}"#
            )
            #expect(result.status == .unprocessableContent, "\(result.text)")
            #expect(try result.error().field == "error")
            let failed = try await h.send(
                .post,
                "/v1/actions/\(allowed.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":false,"error":"boom"}"#
            )
            #expect(failed.status == .ok)
        }
    }

    @Test(
        "U+0000 inside params and context strings is stored (canonical JSON escapes it) and read back",
        arguments: TestBackend.all
    )
    func nulInsideJSONStrings(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let body =
                #"{"agent_id":"agent-1","tool":"http","operation":"get","params":{"q":"a\u0000b","k\u0000":1},"context":{"c":"\u0000"}}"#
            let reply = try await h.send(.post, "/v1/actions", token: ServerHarness.agentToken, body: body)
            #expect(reply.status == .ok, "\(reply.text)")
            let id = try reply.action().id
            let read = try await h.send(.get, "/v1/actions/\(id)", token: ServerHarness.agentToken)
            let action = try read.action()
            #expect(action.params == .object(["q": .string("a\u{0}b"), "k\u{0}": .int(1)]))
            #expect(action.context == .object(["c": .string("\u{0}")]))
        }
    }

    @Test(
        "a list page stops at its byte budget with a next cursor; following it returns every action once",
        arguments: TestBackend.all
    )
    func listPageByteBudget(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            // 48 actions of ~95 KB params: 4.6 MB, more than the 4 MiB page budget.
            let blob = String(repeating: "x", count: 95_000)
            var submitted: [String] = []
            for _ in 0..<48 {
                submitted.append(
                    try await h.submitted(tool: "http", operation: "get", params: #"{"blob":"\#(blob)"}"#).id
                )
            }
            var seen: [String] = []
            var query = "limit=1000"
            var pages = 0
            while true {
                let reply = try await h.send(.get, "/v1/actions?\(query)", token: ServerHarness.agentToken)
                #expect(reply.status == .ok)
                pages += 1
                // One row may cross the budget, never more.
                #expect(reply.bytes.count <= ActionListPage.maxBytes + 100_000)
                seen += try reply.array().map { try ActionResponse(json: $0).id }
                guard let next = reply.headers[ActionController.nextCursorHeader] else {
                    #expect(reply.headers[ActionController.linkHeader] == nil)
                    break
                }
                #expect(reply.headers[ActionController.linkHeader]?.contains("cursor=\(next)") == true)
                query = "limit=1000&cursor=\(next)"
                #expect(pages < 10)
            }
            #expect(pages == 2)
            #expect(seen == submitted.reversed())
        }
    }

    @Test("the row limit and offset still page exactly as before", arguments: TestBackend.all)
    func listRowLimitUnchanged(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            var ids: [String] = []
            for _ in 0..<60 { ids.append(try await h.submitted(tool: "http", operation: "get").id) }
            let newestFirst = Array(ids.reversed())
            let first = try await h.send(.get, "/v1/actions?limit=40", token: ServerHarness.agentToken)
            #expect(try first.array().map { try ActionResponse(json: $0).id } == Array(newestFirst[0..<40]))
            let next = try #require(first.headers[ActionController.nextCursorHeader])
            let second = try await h.send(.get, "/v1/actions?limit=40&cursor=\(next)", token: ServerHarness.agentToken)
            #expect(try second.array().map { try ActionResponse(json: $0).id } == Array(newestFirst[40...]))
            #expect(second.headers[ActionController.nextCursorHeader] == nil)
            let offset = try await h.send(.get, "/v1/actions?limit=30&offset=25", token: ServerHarness.agentToken)
            #expect(try offset.array().map { try ActionResponse(json: $0).id } == Array(newestFirst[25..<55]))
            let exact = try await h.send(.get, "/v1/actions?limit=60", token: ServerHarness.agentToken)
            #expect(try exact.array().count == 60)
            #expect(exact.headers[ActionController.nextCursorHeader] != nil, "a full page may have more")
        }
    }
}
