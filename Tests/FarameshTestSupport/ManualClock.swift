import FarameshCore
import Foundation
import Synchronization

/// A `WallClock` that moves only when told: expiry and deadlines are tested without sleeping.
package final class ManualClock: WallClock {
    private let current: Mutex<Date>

    /// Starts at `start` (default: the real time now, so stored rows look ordinary).
    package init(_ start: Date = Date()) {
        self.current = Mutex(WireTimestamp.date(microseconds: WireTimestamp.microseconds(start)))
    }

    package func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward by `duration`.
    package func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        current.withLock { $0 = WireTimestamp.date(microseconds: WireTimestamp.microseconds($0) + micros) }
    }
}
