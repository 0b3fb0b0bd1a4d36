import FarameshAPI
import FarameshCore
import FarameshTestSupport
import HTTPTypes
import Testing

@testable import FarameshServer

/// `POST /v1/actions` with the opt-in `Faramesh-Start: if-allowed` (used by `faramesh mcp-proxy`):
/// an allowed action is started in the same request, anything else is answered as without it.
@Suite struct SubmitAndStartTests {
    static let optIn: HTTPFields = [ActionController.startHeader: "if-allowed"]

    @Test(arguments: TestBackend.all) func allowedActionIsStartedAndMarked(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let reply = try await h.submit(tool: "http", operation: "get", headers: Self.optIn)
            #expect(reply.status == .ok)
            #expect(reply.headers[ActionController.startedHeader] == "true")
            let action = try reply.action()
            #expect(action.status == .executing)
            #expect(try await h.events(action.id).map(\.eventType) == [.created, .decisionMade, .started])
            // Started once: /start now conflicts, /result completes it.
            let again = try await h.send(.post, "/v1/actions/\(action.id)/start", token: ServerHarness.agentToken)
            #expect(again.status == .conflict)
            let result = try await h.send(
                .post,
                "/v1/actions/\(action.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true}"#
            )
            #expect(try result.action().status == .succeeded)
        }
    }

    @Test(arguments: TestBackend.all) func allowedSubmitAndStartAreOneChainedWriteAndRetriedOnce(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            var headers = Self.optIn
            headers[ActionController.idempotencyKeyHeader] = "mcp-key-allowed"
            let first = try await h.submit(tool: "http", operation: "get", headers: headers)
            #expect(first.headers[ActionController.startedHeader] == "true")
            let action = try first.action()
            let events = try await h.events(action.id)
            #expect(events.map(\.eventType) == [.created, .decisionMade, .started])
            #expect(events[2].prevHash == events[1].recordHash)
            #expect(events.map(\.seq) == [events[0].seq, events[0].seq + 1, events[0].seq + 2])
            // The same key again: the stored (already started) action, not a second start.
            let retry = try await h.submit(tool: "http", operation: "get", headers: headers)
            #expect(retry.headers[ActionController.startedHeader] == nil)
            #expect(try retry.action().id == action.id)
            #expect(try retry.action().status == .executing)
            #expect(try await h.events(action.id).count == 3)
        }
    }

    @Test(arguments: TestBackend.all) func withoutTheHeaderOrWithAnotherValueNothingStarts(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            for headers: HTTPFields in [[:], [ActionController.startHeader: "yes"]] {
                let reply = try await h.submit(tool: "http", operation: "get", headers: headers)
                #expect(reply.headers[ActionController.startedHeader] == nil)
                #expect(try reply.action().status == .allowed)
            }
        }
    }

    @Test(arguments: TestBackend.all) func deniedAndPendingActionsAreNotStarted(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let denied = try await h.submit(tool: "stripe", operation: "refund", headers: Self.optIn)
            #expect(try denied.action().status == .denied)
            #expect(denied.headers[ActionController.startedHeader] == nil)
            let pending = try await h.submit(tool: "shell", operation: "run", headers: Self.optIn)
            #expect(try pending.action().status == .pendingApproval)
            #expect(pending.headers[ActionController.startedHeader] == nil)
        }
    }

    @Test(arguments: TestBackend.all) func retryWithTheSameKeyStartsAnApprovedActionOnceOnly(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            var headers = Self.optIn
            headers[ActionController.idempotencyKeyHeader] = "mcp-key-1"
            let first = try await h.submit(tool: "shell", operation: "run", headers: headers)
            let pending = try first.action()
            #expect(pending.status == .pendingApproval)
            let token = try await h.approvalToken(pending.id)
            #expect(try await h.approve(pending.id, token: token).status == .ok)
            let retry = try await h.submit(tool: "shell", operation: "run", headers: headers)
            #expect(retry.headers[ActionController.startedHeader] == "true")
            #expect(try retry.action().id == pending.id)
            #expect(try retry.action().status == .executing)
            // Already started: a further retry returns it without starting it again.
            let third = try await h.submit(tool: "shell", operation: "run", headers: headers)
            #expect(third.headers[ActionController.startedHeader] == nil)
            #expect(try third.action().status == .executing)
            #expect(try await h.events(pending.id).filter { $0.eventType == .started }.count == 1)
        }
    }

    @Test func withServerSideExecutorsTheClientStartsItself() async throws {
        try await ExecutorEndToEndTests.run { h in
            let reply = try await h.submit(
                tool: "job",
                operation: "echo",
                params: #"{"name":"x"}"#,
                headers: Self.optIn
            )
            #expect(reply.headers[ActionController.startedHeader] == nil)
            #expect(try reply.action().status == .allowed)
        }
    }
}
