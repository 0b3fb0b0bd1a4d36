/// What the policy says about an action.
public enum PolicyEffect: String, Sendable, Codable, CaseIterable, Hashable {
    case allow
    case deny
    case requireApproval = "require_approval"
}
