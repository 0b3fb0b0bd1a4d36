/// Types of events in an action's hash-chained timeline.
public enum ActionEventType: String, Sendable, Codable, CaseIterable, Hashable {
    case created
    case decisionMade = "decision_made"
    case approved, denied, expired, started, succeeded, failed, timeout
}
