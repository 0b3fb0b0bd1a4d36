/// What the gate tells the agent to do.
public enum DecisionOutcome: String, Sendable, Codable, CaseIterable, Hashable {
    /// Run it.
    case execute = "EXECUTE"
    /// Wait: a human must approve first.
    case abstain = "ABSTAIN"
    /// Do not run it.
    case halt = "HALT"
}
