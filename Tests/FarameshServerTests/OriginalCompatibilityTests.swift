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

/// Issue 17: the last wire and metric differences to Faramesh Core 0.3 (SDK snippets on every
/// action, the compatibility Prometheus series with bounded labels).
@Suite struct OriginalCompatibilityTests {
    @Test(arguments: TestBackend.all) func everyActionResponseCarriesSnippetsForItsNextStep(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let allowed = try await h.submit(tool: "http", operation: "get")
            let pending = try await h.submit(tool: "shell", operation: "run")
            let denied = try await h.submit(tool: "db", operation: "drop")
            for (reply, python, js) in [
                (allowed, "client.start_action(action_id)", "await client.startAction(actionId);"),
                (pending, "client.wait_for_decision(action_id, timeout=300)", "await client.waitForDecision(actionId"),
                (denied, "print(action[\"status\"], action[\"reason\"])", "console.log(action.status, action.reason);"),
            ] {
                let object = try reply.object()
                let id = try #require(object["id"]?.stringValue)
                let pythonExample = try #require(object["python_example"]?.stringValue)
                let jsExample = try #require(object["js_example"]?.stringValue)
                #expect(pythonExample.hasPrefix("from faramesh.sdk.client import ExecutionGovernorClient\n"))
                #expect(jsExample.hasPrefix("import { ExecutionGovernorClient } from \"@faramesh/sdk\";\n"))
                #expect(pythonExample.contains("action_id = \"\(id)\""))
                #expect(jsExample.contains("const actionId = \"\(id)\";"))
                #expect(pythonExample.contains(python), "\(pythonExample)")
                #expect(jsExample.contains(js), "\(jsExample)")
            }
            // Never a secret, for any viewer; lists carry them too.
            let id = try pending.action().id
            let approval = try await h.approvalToken(id)
            for token in [ServerHarness.adminToken, ServerHarness.approverToken] {
                let reply = try await h.send(.get, "/v1/actions/\(id)", token: token)
                for key in ["python_example", "js_example"] {
                    let snippet = try #require(try reply.object()[key]?.stringValue)
                    for secret in [
                        approval, ServerHarness.adminToken, ServerHarness.approverToken, ServerHarness.agentToken,
                    ] {
                        #expect(!snippet.contains(secret))
                    }
                }
            }
            let list = try await h.send(.get, "/v1/actions", token: ServerHarness.agentToken)
            for item in try list.array() {
                #expect(item.objectValue?["python_example"]?.stringValue?.contains("ExecutionGovernorClient") == true)
            }
            // After the decision the snippet moves on to running it.
            let approved = try await h.approve(id, token: approval)
            #expect(
                try approved.object()["python_example"]?.stringValue?.contains("client.start_action(action_id)") == true
            )
        }
    }

    @Test(arguments: TestBackend.all) func wrongApprovalTokenIs401AndRoleOrSelfApprovalStay403(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            let action = try await h.submitted(tool: "shell", operation: "run")
            let wrong = try await h.approve(action.id, token: "not-the-token")
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.error().code == "INVALID_APPROVAL_TOKEN")
            let role = try await h.approve(action.id, token: "not-the-token", as: ServerHarness.agentToken)
            #expect(role.status == .forbidden)
            #expect(try role.error().code == "FORBIDDEN")
            let own = try await h.submit(
                tool: "shell",
                operation: "run",
                agent: "approver-1",
                token: ServerHarness.approverToken
            )
            let ownID = try own.action().id
            let selfApproval = try await h.approve(ownID, token: try await h.approvalToken(ownID))
            #expect(selfApproval.status == .forbidden)
            #expect(try selfApproval.error().code == "SELF_APPROVAL_FORBIDDEN")
        }
    }

    /// Label sets of one metric family in the exposition.
    static func series(_ text: String, _ name: String) -> [[String: String]] {
        text.split(separator: "\n").compactMap { line -> [String: String]? in
            guard line.hasPrefix(name + "{") || line.hasPrefix(name + " ") else { return nil }
            guard let open = line.firstIndex(of: "{"), let close = line.lastIndex(of: "}") else { return [:] }
            var labels: [String: String] = [:]
            for pair in line[line.index(after: open)..<close].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
            }
            return labels
        }
    }

    @Test(arguments: TestBackend.all) func compatibilitySeriesHaveTheOriginalsNamesAndLabels(
        _ backend: TestBackend
    ) async throws {
        try await ServerHarness.run(backend) { h in
            _ = try await h.submitted(tool: "http", operation: "get")
            _ = try await h.submitted(tool: "shell", operation: "run")
            #expect(
                try await h.send(.get, "/v1/actions/\(UUID().uuidString)", token: ServerHarness.agentToken).status
                    == .notFound
            )
            let text = try await h.send(.get, "/metrics", token: ServerHarness.adminToken).text
            let actions = Self.series(text, "faramesh_actions_total")
            #expect(actions.contains(["status": "allowed", "tool": "http"]))
            #expect(actions.contains(["status": "pending_approval", "tool": "shell"]))
            let buckets = Self.series(text, "faramesh_action_duration_seconds_bucket")
            #expect(
                Set(buckets.filter { $0["tool"] == "http" }.compactMap { $0["le"] })
                    == [
                        "0.005", "0.01", "0.025", "0.05", "0.075", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5", "5.0",
                        "7.5", "10.0", "+Inf",
                    ]
            )
            #expect(buckets.contains { $0["tool"] == "shell" && $0["operation"] == "run" })
            let requests = Self.series(text, "faramesh_requests_total")
            #expect(
                requests.contains { $0["method"] == "POST" && $0["endpoint"] == "/v1/actions" && $0["status"] == "200" }
            )
            #expect(requests.allSatisfy { Set($0.keys) == ["method", "endpoint", "status"] })
            let errors = Self.series(text, "faramesh_errors_total")
            #expect(errors.allSatisfy { Set($0.keys) == ["error_type"] })
            #expect(text.contains(#"faramesh_errors_total{error_type="ACTION_NOT_FOUND"} 1"#))
            #expect(text.contains("# TYPE faramesh_actions_total counter"))
            #expect(text.contains("# TYPE faramesh_action_duration_seconds histogram"))
        }
    }

    @Test(arguments: TestBackend.all) func agentControlledLabelsAreCapped(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let limit = ServerMetrics.compatLabelLimit
            for i in 0..<(limit + 15) {
                let reply = try await h.submit(tool: "tool-\(i)", operation: "op-\(i)", token: ServerHarness.adminToken)
                #expect(reply.status == .ok)
            }
            let text = try await h.send(.get, "/metrics", token: ServerHarness.adminToken).text
            let tools = Set(Self.series(text, "faramesh_actions_total").compactMap { $0["tool"] })
            #expect(tools.count == limit + 1)
            #expect(tools.contains("other") && tools.contains("tool-0") && !tools.contains("tool-\(limit)"))
            #expect(text.contains(#"faramesh_actions_total{status="denied",tool="other"} 15"#))
            let pairs = Set(
                Self.series(text, "faramesh_action_duration_seconds_count").map {
                    "\($0["tool"] ?? "")/\($0["operation"] ?? "")"
                }
            )
            #expect(pairs.count == limit + 1)
            #expect(pairs.contains("other/other"))
        }
    }
}
