import FarameshAPI
import FarameshCore
import FarameshTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FarameshServer

/// Every class of bad input gets the right 4xx with a JSON body, never a 500.
@Suite struct RequestValidationTests {
    static let valid = #"{"agent_id":"a","tool":"http","operation":"get","params":{}}"#

    @Test(arguments: TestBackend.all) func malformedJSONIs400(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            for body in [
                #"{"agent_id": "a","#, "not json", #"{"a":1}{"#, #"{"agent_id":"a","params":NaN}"#,
                #"{"agent_id":"a","agent_id":"b"}"#, "",
            ] {
                let reply = try await h.send(.post, "/v1/actions", token: ServerHarness.agentToken, body: body)
                #expect(reply.status == .badRequest, "\(body)")
                #expect(try reply.error().code == "MALFORMED_JSON")
            }
            let decide = try await h.send(.post, "/v1/gate/decide", token: ServerHarness.agentToken, body: "[1,")
            #expect(decide.status == .badRequest)
        }
    }

    @Test(arguments: TestBackend.all) func sizeLimitsAre413(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let bigBody =
                #"{"agent_id":"a","tool":"http","operation":"get","params":{"x":""#
                + String(repeating: "a", count: 300_000) + #""}}"#
            let body = try await h.send(.post, "/v1/actions", token: ServerHarness.agentToken, body: bigBody)
            #expect(body.status == .contentTooLarge)
            #expect(try body.error().code == "PAYLOAD_TOO_LARGE")

            let bigParams =
                #"{"agent_id":"a","tool":"http","operation":"get","params":{"x":""#
                + String(repeating: "a", count: 100_001) + #""}}"#
            let params = try await h.send(.post, "/v1/actions", token: ServerHarness.agentToken, body: bigParams)
            #expect(params.status == .contentTooLarge)
            #expect(try params.error().field == "params")

            let bigContext =
                #"{"agent_id":"a","tool":"http","operation":"get","params":{},"context":{"x":""#
                + String(repeating: "a", count: 10_001) + #""}}"#
            let context = try await h.send(.post, "/v1/gate/decide", token: ServerHarness.agentToken, body: bigContext)
            #expect(context.status == .contentTooLarge)
            #expect(try context.error().field == "context")

            // Just under the limits is fine.
            let okParams =
                #"{"agent_id":"a","tool":"http","operation":"get","params":{"x":""#
                + String(repeating: "a", count: 99_000) + #""}}"#
            let underLimit = try await h.send(.post, "/v1/actions", token: ServerHarness.adminToken, body: okParams)
            #expect(underLimit.status == .ok)
        }
    }

    @Test(
        arguments: TestBackend.all,
        [
            (#"{"agent_id":"a","tool":"http","operation":"get","params":{},"extra":1}"#, "extra"),
            (#"{"agent_id":5,"tool":"http","operation":"get","params":{}}"#, "agent_id"),
            (#"{"agent_id":"a","tool":"http","operation":"get"}"#, "params"),
            (#"{"tool":"http","operation":"get","params":{}}"#, "agent_id"),
            (#"{"agent_id":"a","tool":"http","operation":"get","params":[]}"#, "params"),
            (#"{"agent_id":"a","tool":"http","operation":"get","params":{},"context":"x"}"#, "context"),
            (#"{"agent_id":"   ","tool":"http","operation":"get","params":{}}"#, "agent_id"),
            (#"{"agent_id":"a\u0000b","tool":"http","operation":"get","params":{}}"#, "agent_id"),
            (#"{"agent_id":"a","tool":"ht\ntp","operation":"get","params":{}}"#, "tool"),
            (#"{"agent_id":"a","tool":"http","operation":null,"params":{}}"#, "operation"),
            (#"[1,2]"#, ""),
            (#"null"#, ""),
        ]
    )
    func invalidSubmissionsAre422WithFieldPath(
        _ backend: TestBackend,
        _ testCase: (body: String, field: String)
    ) async throws {
        let (body, field) = testCase
        try await ServerHarness.run(backend) { h in
            for path in ["/v1/actions", "/v1/gate/decide"] {
                let reply = try await h.send(.post, path, token: ServerHarness.agentToken, body: body)
                #expect(reply.status == .unprocessableContent, "\(path) \(body)")
                let error = try reply.error()
                #expect(error.code == "VALIDATION_ERROR")
                #expect(error.field == field)
            }
        }
    }

    @Test(arguments: TestBackend.all) func tooLongIdentifiersAre422(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let long = String(repeating: "x", count: 257)
            let reply = try await h.send(
                .post,
                "/v1/actions",
                token: ServerHarness.agentToken,
                body: #"{"agent_id":"\#(long)","tool":"http","operation":"get","params":{}}"#
            )
            #expect(reply.status == .unprocessableContent)
            #expect(try reply.error().field == "agent_id")
            let exact = String(repeating: "x", count: 256)
            // An admin token: it may act as any agent id (an agent token only as its own).
            let ok = try await h.send(
                .post,
                "/v1/actions",
                token: ServerHarness.adminToken,
                body: #"{"agent_id":"\#(exact)","tool":"http","operation":"get","params":{}}"#
            )
            #expect(ok.status == .ok)
        }
    }

    @Test(arguments: TestBackend.all) func identifiersAreTrimmedButParamStringsAreKeptExactly(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let body =
                #"{"agent_id":"  agent-7 ","tool":"\u00a0http","operation":"get ","params":{"cmd":"  ls  ","big":123456789012345678901234567890,"f":1.50,"e":1E2},"context":null}"#
            let reply = try await h.send(.post, "/v1/actions", token: ServerHarness.adminToken, body: body)
            #expect(reply.status == .ok)
            let action = try reply.action()
            #expect(action.agentID == "agent-7")
            #expect(action.tool == "http")
            #expect(action.operation == "get")
            #expect(action.params["cmd"] == .string("  ls  "))
            #expect(action.params["big"] == .bigInt("123456789012345678901234567890"))
            #expect(action.context == .object([:]))
            // The hash is over exactly what was sent (numbers keep their form), with trimmed identifiers.
            let parsed = try JSONParser.parse(body)
            let request = ActionRequest(
                agentID: "agent-7",
                tool: "http",
                operation: "get",
                params: try #require(parsed["params"]),
                context: .object([:])
            )
            #expect(action.requestHash == RequestHash.compute(request))
        }
    }

    @Test(arguments: TestBackend.all) func transitionBodiesAreStrict(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let pending = try await h.submitted(tool: "shell", operation: "run")
            let allowed = try await h.submitted(tool: "http", operation: "get")
            let cases: [(String, String, String)] = [
                ("/v1/actions/\(pending.id)/approval", #"{"token":"t"}"#, "approve"),
                ("/v1/actions/\(pending.id)/approval", #"{"token":"t","approve":"yes"}"#, "approve"),
                ("/v1/actions/\(pending.id)/approval", #"{"token":"t","approve":true,"who":"me"}"#, "who"),
                ("/v1/actions/\(pending.id)/approval", #"{"approve":true}"#, "token"),
                ("/v1/actions/\(allowed.id)/result", #"{"success":true,"result":{}}"#, "result"),
                ("/v1/actions/\(allowed.id)/result", #"{"error":"x"}"#, "success"),
                ("/v1/actions/\(allowed.id)/result", #"{"success":1}"#, "success"),
                ("/v1/actions/\(allowed.id)/start", #"{"force":true}"#, "force"),
            ]
            for (path, body, field) in cases {
                let reply = try await h.send(.post, path, token: ServerHarness.adminToken, body: body)
                #expect(reply.status == .unprocessableContent, "\(path) \(body)")
                #expect(try reply.error().field == field, "\(path) \(body)")
            }
            let malformed = try await h.send(
                .post,
                "/v1/actions/\(allowed.id)/result",
                token: ServerHarness.adminToken,
                body: "{"
            )
            #expect(malformed.status == .badRequest)
            // /start accepts no body and an empty object.
            let emptyObject = try await h.send(
                .post,
                "/v1/actions/\(allowed.id)/start",
                token: ServerHarness.agentToken,
                body: "{}"
            )
            #expect(emptyObject.status == .ok)
        }
    }

    @Test(
        arguments: TestBackend.all,
        [
            ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=abc", "limit"), ("limit=", "limit"),
            ("offset=-1", "offset"), ("offset=1.5", "offset"), ("status=bogus", "status"),
            ("risk_level=extreme", "risk_level"),
            ("cursor=nope", "cursor"), ("cursor=12_not-a-uuid", "cursor"), ("agent_id=", "agent_id"),
            ("tool=%01x", "tool"),
            ("agent_id=%ZZ", "agent_id"), ("q=", "q"), ("q=+", "q"), ("q=a%00b", "q"),
            ("q=\(String(repeating: "x", count: 201))", "q"),
            ("since=yesterday", "since"), ("since=2026-13-01T00:00:00Z", "since"),
            ("until=2026-12-03T10:00:00%2B25:00", "until"),
        ]
    )
    func badListParametersAre422(_ backend: TestBackend, _ testCase: (query: String, field: String)) async throws {
        let (query, field) = testCase
        try await ServerHarness.run(backend) { h in
            let reply = try await h.send(.get, "/v1/actions?\(query)", token: ServerHarness.agentToken)
            #expect(reply.status == .unprocessableContent, "\(query)")
            #expect(try reply.error().field == field)
        }
    }

    @Test(arguments: TestBackend.all) func unknownRoutesAre404AndWrongMethods405WithAllow(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let unknown = try await h.send(.get, "/v1/nothing", token: ServerHarness.agentToken)
            #expect(unknown.status == .notFound)
            #expect(try unknown.error().code == "NOT_FOUND")
            let wrong = try await h.send(.delete, "/v1/actions", token: ServerHarness.agentToken)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "GET, HEAD, POST")
            #expect(try wrong.error().code == "METHOD_NOT_ALLOWED")
            let put = try await h.send(.put, "/v1/actions/abc/approval")
            #expect(put.status == .methodNotAllowed)
            #expect(put.headers[.allow] == "POST")
        }
    }
}
