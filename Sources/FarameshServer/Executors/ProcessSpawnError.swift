#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The command could not be started. The description is safe to store and show: the system's
/// message for the error number, never the environment or the arguments.
package struct ProcessSpawnError: Error, Sendable, Hashable, CustomStringConvertible {
    package var code: Int32
    /// Which step failed (`posix_spawn`, `pipe`, `working directory`).
    package var step: String

    package init(code: Int32, step: String) {
        self.code = code
        self.step = step
    }

    package var description: String {
        "\(step): \(String(cString: strerror(code)))"
    }
}
