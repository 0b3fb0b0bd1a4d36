/// How risky an action is (policy risk rules; high upgrades an allow to require_approval).
public enum RiskLevel: String, Sendable, Codable, CaseIterable, Hashable, Comparable {
    case low, medium, high

    public static func < (a: RiskLevel, b: RiskLevel) -> Bool { a.rank < b.rank }
    private var rank: Int {
        switch self {
        case .low: 0
        case .medium: 1
        case .high: 2
        }
    }
}
