/// The `python_example` / `js_example` members of an action: a short ready-to-run snippet for
/// the Faramesh SDKs (`faramesh` for Python, `@faramesh/sdk` for Node) saying what to call next
/// for this action in its current status (wait for the decision, start, report the result, or
/// read the outcome). Snippets never hold a token or an approval token: the clients read
/// `FARAMESH_BASE_URL` and `FARAMESH_TOKEN` from the environment.
package enum ActionSnippets {
    enum Step {
        case waitForDecision, run, report, inspect
    }

    static func step(for status: ActionStatus) -> Step {
        switch status {
        case .pendingDecision, .pendingApproval: return .waitForDecision
        case .allowed, .approved: return .run
        case .executing: return .report
        case .denied, .succeeded, .failed, .timeout, .expired: return .inspect
        }
    }

    package static func python(actionID: String, status: ActionStatus) -> String {
        var lines = [
            "from faramesh.sdk.client import ExecutionGovernorClient",
            "",
            "client = ExecutionGovernorClient()  # reads FARAMESH_BASE_URL and FARAMESH_TOKEN",
            "action_id = \"\(actionID)\"",
        ]
        switch self.step(for: status) {
        case .waitForDecision:
            lines += [
                "action = client.wait_for_decision(action_id, timeout=300)",
                "if action[\"status\"] == \"approved\":",
                "    client.start_action(action_id)",
                "    # ... run the tool here ...",
                "    client.report_result(action_id, success=True)",
            ]
        case .run:
            lines += [
                "client.start_action(action_id)",
                "# ... run the tool here ...",
                "client.report_result(action_id, success=True)",
            ]
        case .report:
            lines += [
                "# once the tool has finished:",
                "client.report_result(action_id, success=True)",
            ]
        case .inspect:
            lines += [
                "action = client.get_action(action_id)",
                "print(action[\"status\"], action[\"reason\"])",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    package static func javaScript(actionID: String, status: ActionStatus) -> String {
        var lines = [
            "import { ExecutionGovernorClient } from \"@faramesh/sdk\";",
            "",
            "const client = new ExecutionGovernorClient(); // reads FARAMESH_BASE_URL and FARAMESH_TOKEN",
            "const actionId = \"\(actionID)\";",
        ]
        switch self.step(for: status) {
        case .waitForDecision:
            lines += [
                "const action = await client.waitForDecision(actionId, { timeoutMs: 300000 });",
                "if (action.status === \"approved\") {",
                "  await client.startAction(actionId);",
                "  // ... run the tool here ...",
                "  await client.reportResult(actionId, { success: true });",
                "}",
            ]
        case .run:
            lines += [
                "await client.startAction(actionId);",
                "// ... run the tool here ...",
                "await client.reportResult(actionId, { success: true });",
            ]
        case .report:
            lines += [
                "// once the tool has finished:",
                "await client.reportResult(actionId, { success: true });",
            ]
        case .inspect:
            lines += [
                "const action = await client.getAction(actionId);",
                "console.log(action.status, action.reason);",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
