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

/// Every route's happy path and the lifecycle rules: roles, approvals, transitions, expiry.
@Suite struct ActionLifecycleTests {
    @Test(arguments: TestBackend.all) func submitAllowedRecordsActionWithWireShapeAndChainedEvents(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let reply = try await h.submit(tool: "http", operation: "get", params: #"{"url":"https://example.com"}"#)
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "application/json")
            let object = try reply.object()
            // The original's 26 members plus approval_expires_at, nothing else.
            let expectedKeys: Set<String> = [
                "id", "agent_id", "tool", "operation", "params", "context", "status", "decision", "reason",
                "risk_level",
                "approval_token", "policy_version", "created_at", "updated_at", "js_example", "python_example",
                "outcome", "reason_code", "reason_details", "request_hash", "policy_hash", "runtime_version",
                "profile_id", "profile_version", "profile_hash", "provenance_id", "approval_expires_at",
            ]
            #expect(Set(object.keys) == expectedKeys)
            // Snippets for our SDKs (OriginalCompatibilityTests checks their content).
            #expect(object["js_example"]?.stringValue?.contains("@faramesh/sdk") == true)
            #expect(object["python_example"]?.stringValue?.contains("faramesh.sdk.client") == true)
            #expect(object["reason_details"] == .object(["risk_level": .string("low")]))
            let action = try reply.action()
            #expect(action.status == .allowed)
            #expect(action.decision == .allow)
            #expect(action.outcome == .execute)
            #expect(action.reasonCode == "POLICY_ALLOW")
            #expect(action.reason == "Allow HTTP GET requests")
            #expect(action.policyVersion == "test-1")
            #expect(action.runtimeVersion == "test-runtime")
            #expect(action.approvalToken == nil)
            let request = ActionRequest(
                agentID: "agent-1",
                tool: "http",
                operation: "get",
                params: .object(["url": .string("https://example.com")])
            )
            #expect(action.requestHash == RequestHash.compute(request))

            let events = try await h.events(action.id)
            #expect(events.map(\.eventType) == [.created, .decisionMade])
            #expect(events.allSatisfy { $0.actor == "agent-1" })
            #expect(events[0].prevHash == nil)
            #expect(events[1].prevHash == events[0].recordHash)
            #expect(events[1].meta["reason_code"] == .string("POLICY_ALLOW"))
            #expect(events[1].seq > events[0].seq)
            let domainEvents = events.map { e in
                ActionEvent(
                    id: UUID(uuidString: e.id)!,
                    actionID: UUID(uuidString: e.actionID)!,
                    type: e.eventType,
                    meta: e.meta,
                    actor: e.actor,
                    createdAt: WireTimestamp.parse(e.createdAt)!,
                    prevHash: e.prevHash,
                    recordHash: e.recordHash,
                    seq: e.seq
                )
            }
            #expect(EventChain.verify(domainEvents) == .valid(count: 2))
        }
    }

    @Test(arguments: TestBackend.all) func submitDeniedAndPendingMapOutcomesToStatuses(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let denied = try await h.submitted(tool: "stripe", operation: "refund")
            #expect(denied.status == .denied)
            #expect(denied.decision == .deny)
            #expect(denied.outcome == .halt)
            #expect(denied.reasonCode == "POLICY_DENY")
            #expect(denied.approvalExpiresAt == nil)

            let pending = try await h.submitted(tool: "shell", operation: "run", params: #"{"cmd":"echo hi"}"#)
            #expect(pending.status == .pendingApproval)
            #expect(pending.decision == .requireApproval)
            #expect(pending.outcome == .abstain)
            #expect(pending.reasonCode == "POLICY_REQUIRE_APPROVAL")
            // Default timeout (1 h) from the configuration.
            let created = try #require(WireTimestamp.parse(pending.createdAt))
            let expires = try #require(pending.approvalExpiresAt.flatMap(WireTimestamp.parse))
            #expect(abs(expires.timeIntervalSince(created) - 3600) < 1)
        }
    }

    @Test(arguments: TestBackend.all) func agentsNeverSeeApprovalTokensApproversDo(_ backend: TestBackend) async throws
    {
        try await ServerHarness.run(backend) { h in
            let submitReply = try await h.submit(tool: "shell", operation: "run")
            #expect(try submitReply.object()["approval_token"] == .null)
            let id = try submitReply.action().id

            let asAgent = try await h.send(.get, "/v1/actions/\(id)", token: ServerHarness.agentToken)
            #expect(asAgent.status == .ok)
            #expect(try asAgent.object()["approval_token"] == .null)

            let asApprover = try await h.send(.get, "/v1/actions/\(id)", token: ServerHarness.approverToken)
            let token = try #require(try asApprover.action().approvalToken)
            #expect(token.utf8.count == 22)
            let asAdmin = try await h.send(.get, "/v1/actions/\(id)", token: ServerHarness.adminToken)
            #expect(try asAdmin.action().approvalToken == token)

            for bearer in [ServerHarness.agentToken, ServerHarness.approverToken, ServerHarness.adminToken] {
                let list = try await h.send(.get, "/v1/actions", token: bearer)
                #expect(list.status == .ok)
                for item in try list.array() {
                    #expect(item["approval_token"] == nil, "list entries never carry approval_token")
                }
            }
        }
    }

    @Test(arguments: TestBackend.all) func approveStartResultHappyPathRecordsApproverIdentity(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let action = try await h.submitted(tool: "shell", operation: "run", params: #"{"cmd":"ls"}"#)
            let token = try await h.approvalToken(action.id)
            let approved = try await h.approve(action.id, token: token, reason: "looks fine")
            #expect(approved.status == .ok)
            let after = try approved.action()
            #expect(after.status == .approved)
            #expect(after.decision == .allow)
            #expect(after.reason == "looks fine")
            #expect(after.approvalToken == nil, "the approval token is single use")
            #expect(after.outcome == .abstain, "outcome never changes after submit")

            let started = try await h.send(.post, "/v1/actions/\(action.id)/start", token: ServerHarness.agentToken)
            #expect(started.status == .ok)
            #expect(try started.action().status == .executing)

            let result = try await h.send(
                .post,
                "/v1/actions/\(action.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true,"error":null}"#
            )
            #expect(result.status == .ok)
            #expect(try result.action().status == .succeeded)
            #expect(try result.action().reason == "Execution completed")

            let events = try await h.events(action.id)
            #expect(events.map(\.eventType) == [.created, .decisionMade, .approved, .started, .succeeded])
            let approval = events[2]
            #expect(approval.actor == "approver-1")
            #expect(approval.meta["approver"] == .string("approver-1"))
            #expect(approval.meta["reason"] == .string("looks fine"))
            #expect(events[3].actor == "agent-1")
            for (previous, next) in zip(events, events.dropFirst()) {
                #expect(next.prevHash == previous.recordHash)
            }
            // The approval wait was measured.
            let metrics = String(decoding: h.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains(#"faramesh_approval_wait_seconds_count{result="approved"} 1"#))
        }
    }

    @Test(arguments: TestBackend.all) func denyWithApprovalTokenAndResultFailure(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let action = try await h.submitted(tool: "shell", operation: "run")
            let token = try await h.approvalToken(action.id)
            let denied = try await h.approve(action.id, token: token, approve: false)
            #expect(denied.status == .ok)
            #expect(try denied.action().status == .denied)
            #expect(try denied.action().decision == .deny)
            #expect(try denied.action().reason == "Denied by human")

            let allowed = try await h.submitted(tool: "http", operation: "get")
            let failed = try await h.send(
                .post,
                "/v1/actions/\(allowed.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":false,"error":"boom"}"#
            )
            #expect(failed.status == .ok)
            #expect(try failed.action().status == .failed)
            #expect(try failed.action().reason == "boom")
            let events = try await h.events(allowed.id)
            #expect(events.last?.eventType == .failed)
            #expect(events.last?.meta["error"] == .string("boom"))
        }
    }

    @Test(arguments: TestBackend.all) func agentTokensCannotApprove(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let action = try await h.submitted(tool: "shell", operation: "run")
            let token = try await h.approvalToken(action.id)
            let reply = try await h.approve(action.id, token: token, as: ServerHarness.agentToken)
            #expect(reply.status == .forbidden)
            #expect(try reply.error().code == "FORBIDDEN")
            let still = try await h.send(.get, "/v1/actions/\(action.id)", token: ServerHarness.agentToken)
            #expect(try still.action().status == .pendingApproval)
        }
    }

    @Test(arguments: TestBackend.all) func approversCannotApproveTheirOwnSubmissions(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let own = try await h.submitted(
                tool: "shell",
                operation: "run",
                agent: "approver-1",
                token: ServerHarness.approverToken
            )
            let token = try await h.approvalToken(own.id)
            let reply = try await h.approve(own.id, token: token, as: ServerHarness.approverToken)
            #expect(reply.status == .forbidden)
            #expect(try reply.error().code == "SELF_APPROVAL_FORBIDDEN")
            // Another approver may.
            let other = try await h.approve(own.id, token: token, as: ServerHarness.approver2Token)
            #expect(other.status == .ok)
            #expect(try other.action().status == .approved)
        }
    }

    @Test(arguments: TestBackend.all) func wrongApprovalTokenIsRejected(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let action = try await h.submitted(tool: "shell", operation: "run")
            let reply = try await h.approve(action.id, token: "not-the-token")
            #expect(reply.status == .unauthorized)
            #expect(try reply.error().code == "INVALID_APPROVAL_TOKEN")
        }
    }

    @Test(arguments: TestBackend.all) func illegalTransitionsAre409WithCurrentStatus(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            // The original let /result mark a pending action succeeded; we must not.
            let pending = try await h.submitted(tool: "shell", operation: "run")
            let result = try await h.send(
                .post,
                "/v1/actions/\(pending.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true}"#
            )
            #expect(result.status == .conflict)
            #expect(try result.error().code == "ILLEGAL_TRANSITION")
            #expect(try result.error().currentStatus == .pendingApproval)
            let start = try await h.send(.post, "/v1/actions/\(pending.id)/start", token: ServerHarness.agentToken)
            #expect(start.status == .conflict)

            let denied = try await h.submitted(tool: "stripe", operation: "refund")
            let startDenied = try await h.send(.post, "/v1/actions/\(denied.id)/start", token: ServerHarness.agentToken)
            #expect(startDenied.status == .conflict)
            #expect(try startDenied.error().currentStatus == .denied)
            let approveDenied = try await h.approve(denied.id, token: "x")
            #expect(approveDenied.status == .conflict)
            #expect(try approveDenied.error().currentStatus == .denied)

            let allowed = try await h.submitted(tool: "http", operation: "get")
            _ = try await h.send(
                .post,
                "/v1/actions/\(allowed.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":true}"#
            )
            let again = try await h.send(
                .post,
                "/v1/actions/\(allowed.id)/result",
                token: ServerHarness.agentToken,
                body: #"{"success":false}"#
            )
            #expect(again.status == .conflict)
            #expect(try again.error().currentStatus == .succeeded)

            // A second decision on an already decided approval.
            let twice = try await h.submitted(tool: "shell", operation: "run")
            let token = try await h.approvalToken(twice.id)
            let secondApproval = try await h.approve(twice.id, token: token)
            #expect(secondApproval.status == .ok)
            let second = try await h.approve(twice.id, token: token, approve: false)
            #expect(second.status == .conflict)
            #expect(try second.error().currentStatus == .approved)
        }
    }

    @Test(arguments: TestBackend.all) func lateApprovalAfterDeadlineIs409AndNeverApproved(
        _ backend: TestBackend
    ) async throws {
        let clock = ManualClock()
        try await ServerHarness.run(backend, clock: clock) { h in
            let action = try await h.submitted(tool: "shell", operation: "quick")
            let token = try await h.approvalToken(action.id)
            // The rule's approval_timeout is 1 s; exactly at the deadline is already late.
            clock.advance(by: .seconds(1))
            let late = try await h.approve(action.id, token: token)
            #expect(late.status == .conflict)
            #expect(try late.error().currentStatus == .expired)
            let now = try await h.send(.get, "/v1/actions/\(action.id)", token: ServerHarness.adminToken)
            #expect(try now.action().status == .expired)
            let events = try await h.events(action.id)
            #expect(events.last?.eventType == .expired)
            #expect(events.last?.actor == "system")
        }
    }

    @Test(arguments: TestBackend.all) func sweeperExpiresOverdueApprovalsAndUpdatesGauge(
        _ backend: TestBackend
    ) async throws {
        let clock = ManualClock()
        try await ServerHarness.run(backend, clock: clock) { h in
            let quick = try await h.submitted(tool: "shell", operation: "quick")
            _ = try await h.submitted(tool: "shell", operation: "run")
            let sweeper = ApprovalExpirySweeper(
                store: h.store,
                interval: .seconds(1),
                callTimeout: .seconds(10),
                metrics: h.metrics,
                clock: clock,
                logger: ServerHarness.logger
            )
            // Not yet due: nothing expires.
            clock.advance(by: .milliseconds(999))
            await sweeper.sweepOnce()
            let held = try await h.send(.get, "/v1/actions/\(quick.id)", token: ServerHarness.adminToken)
            #expect(try held.action().status == .pendingApproval)
            clock.advance(by: .milliseconds(1))
            await sweeper.sweepOnce()
            let expired = try await h.send(.get, "/v1/actions/\(quick.id)", token: ServerHarness.adminToken)
            #expect(try expired.action().status == .expired)
            let metrics = String(decoding: h.metrics.exposition(), as: UTF8.self)
            #expect(metrics.contains("faramesh_pending_approvals 1"))
            #expect(metrics.contains("faramesh_approvals_expired_total 1"))
            let token = "whatever"
            let late = try await h.approve(quick.id, token: token)
            #expect(late.status == .conflict)
            #expect(try late.error().currentStatus == .expired)
        }
    }

    @Test(arguments: TestBackend.all) func idempotencyKeyReturnsSameActionOrRejectsDifferentBody(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let key: HTTPFields = [ActionController.idempotencyKeyHeader: "retry-key-1"]
            let first = try await h.submit(tool: "http", operation: "get", params: #"{"n":1}"#, headers: key)
            let second = try await h.submit(tool: "http", operation: "get", params: #"{"n":1}"#, headers: key)
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            #expect(try first.action().id == second.action().id)
            let different = try await h.submit(tool: "http", operation: "get", params: #"{"n":2}"#, headers: key)
            #expect(different.status == .unprocessableContent)
            #expect(try different.error().code == "IDEMPOTENCY_CONFLICT")
            let list = try await h.send(.get, "/v1/actions?tool=http", token: ServerHarness.agentToken)
            #expect(try list.array().count == 1)
            let bad = try await h.submit(
                tool: "http",
                operation: "get",
                headers: [ActionController.idempotencyKeyHeader: "has space"]
            )
            #expect(bad.status == .unprocessableContent)
            #expect(try bad.error().field == "Idempotency-Key")
        }
    }

    @Test(arguments: TestBackend.all) func gateDecideRecordsNothing(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let reply = try await h.send(
                .post,
                "/v1/gate/decide",
                token: ServerHarness.agentToken,
                body: #"{"agent_id":"agent-1","tool":"shell","operation":"run","params":{"cmd":"x"}}"#
            )
            #expect(reply.status == .ok)
            let decision = try GateDecisionResponse(json: try reply.json())
            #expect(decision.outcome == .abstain)
            #expect(decision.decision == .requireApproval)
            #expect(decision.reasonCode == "POLICY_REQUIRE_APPROVAL")
            #expect(decision.riskLevel == .medium)
            #expect(decision.policyVersion == "test-1")
            #expect(
                decision.requestHash
                    == RequestHash.compute(
                        ActionRequest(
                            agentID: "agent-1",
                            tool: "shell",
                            operation: "run",
                            params: .object(["cmd": .string("x")])
                        )
                    )
            )
            #expect(
                decision.provenanceID
                    == Provenance.id(
                        requestHash: decision.requestHash,
                        policyHash: decision.policyHash,
                        profileHash: nil,
                        runtimeVersion: "test-runtime"
                    )
            )
            let list = try await h.send(.get, "/v1/actions", token: ServerHarness.agentToken)
            #expect(try list.array().isEmpty)
        }
    }

    @Test(arguments: TestBackend.all) func policyInfoDescribesTheLoadedFile(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let reply = try await h.send(.get, "/v1/policy/info", token: ServerHarness.agentToken)
            #expect(reply.status == .ok)
            let info = try PolicyInfoResponse(json: try reply.json())
            #expect(info.exists)
            #expect(info.policyVersion == "test-1")
            #expect(info.policyHash == h.policy.engine.policy?.hash)
            #expect(info.policyFile == h.configuration.policyFile)
            #expect(info.lastReloadError == nil)
            #expect(!info.builtinDefault)
        }
    }

    @Test(arguments: TestBackend.all) func listFiltersAndKeysetPaging(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            for n in 0..<5 {
                _ = try await h.submitted(
                    tool: "http",
                    operation: "get",
                    params: #"{"n":\#(n)}"#,
                    agent: "pager",
                    token: ServerHarness.adminToken
                )
            }
            _ = try await h.submitted(tool: "shell", operation: "run", agent: "other", token: ServerHarness.adminToken)
            let first = try await h.send(.get, "/v1/actions?agent_id=pager&limit=2", token: ServerHarness.approverToken)
            #expect(first.status == .ok)
            let page1 = try first.array().map { try ActionResponse(json: $0) }
            #expect(page1.count == 2)
            let cursor = try #require(first.headers[ActionController.nextCursorHeader])
            let link = try #require(first.headers[ActionController.linkHeader])
            #expect(link.hasPrefix("</v1/actions?"))
            #expect(link.hasSuffix(#">; rel="next""#))
            #expect(link.contains("cursor=\(cursor)"))
            #expect(link.contains("agent_id=pager"))

            var seen = page1.map(\.id)
            var next: String? = String(link.dropFirst().prefix(while: { $0 != ">" }))
            while let path = next {
                let page = try await h.send(.get, path, token: ServerHarness.approverToken)
                #expect(page.status == .ok)
                seen += try page.array().map { try ActionResponse(json: $0).id }
                next = page.headers[ActionController.linkHeader].map {
                    String($0.dropFirst().prefix(while: { $0 != ">" }))
                }
            }
            #expect(seen.count == 5)
            #expect(Set(seen).count == 5)

            let byStatus = try await h.send(
                .get,
                "/v1/actions?status=pending_approval",
                token: ServerHarness.approverToken
            )
            #expect(try byStatus.array().map { try ActionResponse(json: $0).agentID } == ["other"])
            let byRisk = try await h.send(
                .get,
                "/v1/actions?risk_level=low&tool=http&offset=3",
                token: ServerHarness.approverToken
            )
            #expect(try byRisk.array().count == 2)
        }
    }

    /// `q`, `since` and `until` combine with the other filters and the keyset cursor (the Link
    /// carries them to the next page).
    @Test(arguments: TestBackend.all) func listSearchAndTimeRange(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            var made: [ActionResponse] = []
            for n in 0..<5 {
                made.append(
                    try await h.submitted(
                        tool: "http",
                        operation: "get_\(n)",
                        params: #"{"n":\#(n)}"#,
                        agent: n % 2 == 0 ? "Searcher-Even" : "searcher-odd",
                        token: ServerHarness.adminToken
                    )
                )
            }
            _ = try await h.submitted(tool: "shell", operation: "run", agent: "other", token: ServerHarness.adminToken)
            func ids(_ query: String) async throws -> [String] {
                var seen: [String] = []
                var next: String? = "/v1/actions?\(query)"
                while let path = next {
                    let page = try await h.send(.get, path, token: ServerHarness.approverToken)
                    #expect(page.status == .ok, "\(path)")
                    seen += try page.array().map { try ActionResponse(json: $0).id }
                    next = page.headers[ActionController.linkHeader].map {
                        String($0.dropFirst().prefix(while: { $0 != ">" }))
                    }
                    if seen.count > 50 { break }
                }
                return seen
            }
            let newestFirst = made.reversed().map(\.id)
            #expect(try await ids("q=SEARCHER&limit=2") == newestFirst, "case-insensitive, across pages")
            #expect(try await ids("q=er-ev&limit=1") == [made[4].id, made[2].id, made[0].id])
            #expect(try await ids("q=get_3") == [made[3].id], "operation")
            #expect(try await ids("q=\(made[1].id.prefix(13).uppercased())") == [made[1].id], "id")
            #expect(try await ids("q=get%5F").count == 5, "`_` literal")
            #expect(try await ids("q=g%25t").isEmpty, "`%` literal")
            #expect(try await ids("q=searcher&agent_id=searcher-odd") == [made[3].id, made[1].id])
            let third = ListQuery.encode(made[2].createdAt)
            #expect(try await ids("q=searcher&since=\(third)&limit=1") == [made[4].id, made[3].id, made[2].id])
            #expect(try await ids("q=searcher&until=\(third)&limit=1") == [made[1].id, made[0].id])
            #expect(try await ids("since=\(third)&until=\(ListQuery.encode(made[3].createdAt))") == [made[2].id])
            #expect(try await ids("since=2999-01-01T00:00:00Z").isEmpty)
            #expect(
                try await ids("since=\(ListQuery.encode(made[3].createdAt))&until=\(third)").isEmpty,
                "an inverted range is empty"
            )
        }
    }

    @Test(arguments: TestBackend.all) func idPrefixesResolveOr404Or409(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            for suffix in ["0000-4000-8000-000000000001", "1111-4000-8000-000000000002"] {
                let id = try #require(UUID(uuidString: "abcdef12-\(suffix)"))
                let request = ActionRequest(agentID: "agent-1", tool: "http", operation: "get")
                let (action, events) = ActionSubmission.make(
                    id: id,
                    request: request,
                    decision: h.policy.decide(request),
                    actor: "agent-1",
                    at: WireTimestamp.now(),
                    defaultApprovalTimeout: .seconds(60)
                )
                _ = try await h.store.submit(action, events: events, idempotencyKey: nil)
            }
            let ambiguous = try await h.send(.get, "/v1/actions/abcdef12", token: ServerHarness.agentToken)
            #expect(ambiguous.status == .conflict)
            let error = try ambiguous.error()
            #expect(error.code == "AMBIGUOUS_ID_PREFIX")
            #expect(
                Set(error.matches ?? []) == [
                    "abcdef12-0000-4000-8000-000000000001", "abcdef12-1111-4000-8000-000000000002",
                ]
            )

            let unique = try await h.send(.get, "/v1/actions/ABCDEF12-1", token: ServerHarness.agentToken)
            #expect(unique.status == .ok)
            #expect(try unique.action().id == "abcdef12-1111-4000-8000-000000000002")
            let noDashes = try await h.send(.get, "/v1/actions/abcdef120000", token: ServerHarness.agentToken)
            #expect(try noDashes.action().id == "abcdef12-0000-4000-8000-000000000001")
            let events = try await h.send(.get, "/v1/actions/abcdef120000/events", token: ServerHarness.agentToken)
            #expect(events.status == .ok)
            let started = try await h.send(.post, "/v1/actions/abcdef12-1111/start", token: ServerHarness.agentToken)
            #expect(try started.action().status == .executing)

            for missing in ["deadbeef", "00000000-0000-4000-8000-000000000000", "abc", "not-an-id", "abcdef1"] {
                let reply = try await h.send(.get, "/v1/actions/\(missing)", token: ServerHarness.agentToken)
                #expect(reply.status == .notFound, "\(missing)")
                #expect(try reply.error().code == "ACTION_NOT_FOUND")
            }
            let startMissing = try await h.send(
                .post,
                "/v1/actions/00000000-0000-4000-8000-000000000000/start",
                token: ServerHarness.agentToken
            )
            #expect(startMissing.status == .notFound)
        }
    }
}
