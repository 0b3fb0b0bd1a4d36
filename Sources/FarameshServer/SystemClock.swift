import FarameshCore
import Foundation

/// The real time of day, truncated to whole microseconds: the server's `WallClock`.
public struct SystemClock: WallClock {
    public init() {}

    public func now() -> Date { WireTimestamp.now() }
}
