#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The command could not be started. The description is safe to store and show: the system's
/// message for the error number, never the environment or the arguments.
public struct ProcessSpawnError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int32
    /// Which step failed (`posix_spawn`, `pipe`, `working directory`).
    public var step: String

    public init(code: Int32, step: String) {
        self.code = code
        self.step = step
    }

    public var description: String {
        "\(step): \(String(cString: strerror(code)))"
    }
}
