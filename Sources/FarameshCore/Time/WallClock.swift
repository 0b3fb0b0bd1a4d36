import Foundation

/// Where the time of day comes from. Core never reads a clock: its functions take the time as a
/// parameter, and the server passes one `WallClock` to everything that stamps or compares
/// times (controllers, the expiry sweeper, the executors). `SystemClock` (FarameshServer) in
/// production; a manual clock in tests, so expiry is tested without sleeping.
public protocol WallClock: Sendable {
    /// The current time in whole microseconds (the resolution every timestamp is stored in).
    func now() -> Date
}
