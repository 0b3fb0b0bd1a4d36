import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore

/// `faramesh explain ID`: why the gate decided as it did, what the decision is bound to, and
/// whether the policy loaded now is the one that decided.
struct ExplainCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain why an action was allowed, denied or held for approval."
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    func validate() throws { try ActionReference.validate(id) }

    /// What each reason code means (docs/reason-codes.md).
    static func meaning(_ code: String) -> String {
        switch ReasonCode(rawValue: code) {
        case .policyAllow?: return "a policy rule allowed the action"
        case .policyDeny?: return "a policy rule denied the action"
        case .policyRequireApproval?: return "a policy rule requires human approval"
        case .riskUpgrade?: return "a rule allowed it, but the computed risk is high, so a human must approve"
        case .defaultDenyNoMatch?: return "no policy rule matched; deny by default"
        case .profileDisallowsTool?: return "the execution profile does not list this tool"
        case .profileRuleDeny?: return "an execution profile rule halted or held the action"
        case .profileMissingRequiredControl?: return "the execution profile requires a control the request lacks"
        case .profileLoadError?: return "the execution profile could not be loaded (fail closed)"
        case .missingPolicy?: return "no policy was loaded (fail closed)"
        case .internalError?: return "the request could not be evaluated (fail closed)"
        case nil: return "custom reason code"
        }
    }

    func run() async throws {
        let reference = id
        let (action, info) = try await withClient { client in
            let action = try await ActionReference.resolve(reference, with: client)
            let info = try? await client.policyInfo()
            return (action, info)
        }
        let samePolicy = info.map { $0.policyHash != nil && $0.policyHash == action.policyHash }
        if global.json {
            print(
                TerminalText.json(
                    CanonicalJSON.string(
                        .object([
                            "action": ActionFormat.json(action),
                            "reason_code_meaning": .string(Self.meaning(action.reasonCode)),
                            "current_policy": info.map(ActionFormat.json) ?? .null,
                            "same_policy": samePolicy.map(JSONValue.bool) ?? .null,
                        ])
                    )
                )
            )
            return
        }
        let t = Terminal.stdout
        print("Action Explanation: \(TerminalText.visible(action.id))")
        print("")
        print("Status:      \(t.status(action.status))")
        print("Outcome:     \(action.outcome.rawValue)")
        print("Decision:    \(action.decision.rawValue)")
        print("Reason code: \(TerminalText.visible(action.reasonCode)) (\(Self.meaning(action.reasonCode)))")
        print("Reason:      \(TerminalText.visible(action.reason ?? "-"))")
        print("Risk Level:  \(t.risk(action.riskLevel))")
        print("")
        print("Agent:       \(TerminalText.visible(action.agentID))")
        print("Tool:        \(TerminalText.visible(action.tool))")
        print("Operation:   \(TerminalText.visible(action.operation))")
        print("Params:      \(ActionFormat.compact(action.params, limit: 200))")
        print("")
        print("Decision binding:")
        print("  request_hash    \(TerminalText.visible(action.requestHash))")
        print(
            TerminalText.visible(
                "  policy          \(action.policyVersion ?? "-") (hash \(ActionFormat.hash(action.policyHash)))"
            )
        )
        let profile = action.profileID.map {
            "\($0) \(action.profileVersion ?? "") (hash \(ActionFormat.hash(action.profileHash)))"
        }
        print(TerminalText.visible("  profile         \(profile ?? "none")"))
        print(TerminalText.visible("  runtime         \(action.runtimeVersion ?? "-")"))
        print(TerminalText.visible("  provenance_id   \(action.provenanceID ?? "-")"))
        print("")
        if let info {
            let file = info.builtinDefault ? "built-in default policy" : (info.policyPath ?? info.policyFile ?? "-")
            print(TerminalText.visible("Policy File:    \(file)"))
            print(
                TerminalText.visible(
                    "Policy Version: \(info.policyVersion ?? "-") (hash \(ActionFormat.hash(info.policyHash)))"
                )
            )
            if samePolicy == true {
                print("The policy loaded now is the one that made this decision.")
            } else {
                print(
                    "The policy loaded now differs from the one that made this decision; compare with: faramesh replay-decision \(action.id)"
                )
            }
        } else {
            print("Policy File:    (the server did not report its policy)")
        }
    }
}
