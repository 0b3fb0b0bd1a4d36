import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Newline-delimited messages read from a file descriptor by a dedicated thread with blocking
/// reads, so a message is handed on as soon as it arrives (no polling interval) and no thread of
/// the concurrency pool ever blocks.
package enum LineReader {
    package enum Event: Sendable {
        case line([UInt8])
        /// A line longer than the limit; its bytes were dropped up to the next newline.
        case tooLong(Int)
        case end
    }

    /// Reads `fd` until end of file or an error; empty lines are skipped and a trailing `\r` removed.
    package static func lines(fd: Int32, maxLineBytes: Int = 64 * 1024 * 1024, name: String) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream()
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            var pending: [UInt8] = []
            var dropping = false
            var dropped = 0
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count < 0 {
                    if errno == EINTR { continue }
                    break
                }
                if count == 0 { break }
                var start = 0
                for index in 0..<count where buffer[index] == UInt8(ascii: "\n") {
                    if dropping {
                        continuation.yield(.tooLong(dropped + index - start))
                        dropping = false
                        dropped = 0
                    } else if pending.count + (index - start) > maxLineBytes {
                        continuation.yield(.tooLong(pending.count + index - start))
                    } else {
                        pending.append(contentsOf: buffer[start..<index])
                        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                        if !pending.isEmpty { continuation.yield(.line(pending)) }
                    }
                    pending.removeAll(keepingCapacity: true)
                    start = index + 1
                }
                if dropping {
                    dropped += count - start
                } else {
                    pending.append(contentsOf: buffer[start..<count])
                    if pending.count > maxLineBytes {
                        dropping = true
                        dropped = pending.count
                        pending = []
                    }
                }
            }
            if !pending.isEmpty, !dropping { continuation.yield(.line(pending)) }
            continuation.yield(.end)
            continuation.finish()
        }
        thread.name = name
        thread.start()
        return stream
    }
}
