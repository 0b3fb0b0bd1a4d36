import FarameshCore
import Foundation

/// The real time of day, truncated to whole microseconds: the server's `WallClock`.
package struct SystemClock: WallClock {
    package init() {}

    package func now() -> Date { WireTimestamp.now() }
}
