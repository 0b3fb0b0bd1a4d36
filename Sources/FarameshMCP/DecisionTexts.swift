import FarameshAPI
import FarameshClient
import FarameshCore
import MCP

/// The `isError` results a client gets when the tool does not run. The text is for the model and
/// the user; `_meta["dev.faramesh/action"]` carries the same facts for programs.
package enum DecisionTexts {
    package static func denied(_ call: ToolCall, action: ActionResponse, byApprover: Bool) -> [UInt8] {
        let reason = action.reason ?? "no reason given"
        let who = byApprover ? "an approver" : "Faramesh policy"
        let text = "Denied by \(who): \(reason). The tool '\(call.name)' was not run (action \(action.id))."
        return ProxyMessages.errorResult(id: call.id, text: text, details: self.details(action, status: "denied"))
    }

    package static func pending(_ call: ToolCall, action: ActionResponse, settings: GovernorSettings) -> [UInt8] {
        let url = settings.approvalURL(action.id)
        let expiry = action.approvalExpiresAt.map { " before it expires at \($0)" } ?? ""
        let text = """
            Approval required: the call to '\(call.name)' waits for a human decision as Faramesh action \(action.id) \
            (\(action.reason ?? "requires approval")). Approve or deny it at \(url)\(expiry). \
            Then retry this call with identical arguments: it runs once approved. Changed arguments create a new request.
            """
        var details = self.details(action, status: "pending_approval")
        details["approval_url"] = .string(url)
        return ProxyMessages.errorResult(id: call.id, text: text, details: details)
    }

    package static func expired(_ call: ToolCall, action: ActionResponse) -> [UInt8] {
        let text =
            "The approval of Faramesh action \(action.id) expired without a decision; the tool '\(call.name)' was not run. Retry to ask again."
        return ProxyMessages.errorResult(
            id: call.id,
            text: text,
            details: self.details(action, status: action.status.rawValue)
        )
    }

    package static func used(_ call: ToolCall, action: ActionResponse) -> [UInt8] {
        let text =
            "Faramesh action \(action.id) is already \(action.status.rawValue); the tool '\(call.name)' was not run again. Retry to create a new request."
        return ProxyMessages.errorResult(
            id: call.id,
            text: text,
            details: self.details(action, status: action.status.rawValue)
        )
    }

    package static func gatekeeperFailed(_ call: ToolCall, _ error: any Error) -> [UInt8] {
        let text: String
        if let error = error as? FarameshClientError, error.httpStatus == nil {
            text = "Faramesh gatekeeper unavailable (\(error)); the tool '\(call.name)' was not run (fail closed)."
        } else {
            text = "Faramesh gatekeeper refused the call (\(error)); the tool '\(call.name)' was not run."
        }
        return ProxyMessages.errorResult(id: call.id, text: text, details: ["status": .string("gatekeeper_error")])
    }

    package static func reservedArgument(_ call: ToolCall, name: String) -> [UInt8] {
        let text =
            "The argument '\(name)' uses the prefix '\(ActionMapping.reservedPrefix)' that the Faramesh gateway reserves for policy context; the tool '\(call.name)' was not run."
        return ProxyMessages.errorResult(id: call.id, text: text, details: ["status": .string("rejected")])
    }

    static func details(_ action: ActionResponse, status: String) -> [String: Value] {
        var details: [String: Value] = [
            "action_id": .string(action.id), "status": .string(status),
            "decision": .string(action.decision.rawValue),
        ]
        if let reason = action.reason { details["reason"] = .string(reason) }
        if let expires = action.approvalExpiresAt { details["expires_at"] = .string(expires) }
        details["request_hash"] = .string(action.requestHash)
        return details
    }
}
