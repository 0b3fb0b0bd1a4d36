import Synchronization

/// Bounds the values of an agent-controlled metric label: the first `limit` distinct values
/// are kept, every later new value is reported as `other`, so a client sending random tool
/// names cannot grow the exposition without bound.
final class MetricLabelCap<Value: Hashable & Sendable>: Sendable {
    static var overflow: String { "other" }

    let limit: Int
    private let seen = Mutex<Set<Value>>([])

    init(limit: Int) {
        self.limit = limit
    }

    /// True when `value` is (or now becomes) one of the kept values.
    func admits(_ value: Value) -> Bool {
        self.seen.withLock { seen in
            if seen.contains(value) { return true }
            guard seen.count < self.limit else { return false }
            seen.insert(value)
            return true
        }
    }
}
