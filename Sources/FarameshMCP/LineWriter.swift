import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes newline-terminated messages to a file descriptor in order, on a serial queue (a full
/// pipe blocks that queue, never the concurrency pool). After a write error (the reader went
/// away) further messages are dropped and `onClose` runs once.
package final class LineWriter: Sendable {
    private let fd: Int32
    private let queue: DispatchQueue
    private let closed = Atomic<Bool>(false)
    private let onClose: @Sendable () -> Void

    package init(fd: Int32, name: String, onClose: @escaping @Sendable () -> Void = {}) {
        self.fd = fd
        self.queue = DispatchQueue(label: name)
        self.onClose = onClose
    }

    package var isClosed: Bool { self.closed.load(ordering: .acquiring) }

    package func write(_ message: [UInt8]) {
        let line = message + [UInt8(ascii: "\n")]
        self.queue.async { self.writeAll(line) }
    }

    /// Returns once everything written before has been handed to the kernel.
    package func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.queue.async { continuation.resume() }
        }
    }

    /// Closes the descriptor after the queued writes (the reader then sees end of file).
    package func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            self.queue.async {
                if !self.closed.exchange(true, ordering: .acquiringAndReleasing) { SystemCalls.close(self.fd) }
                continuation.resume()
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) {
        guard !self.isClosed else { return }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { pointer in
                SystemCalls.write(self.fd, pointer.baseAddress! + offset, pointer.count - offset)
            }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if !self.closed.exchange(true, ordering: .acquiringAndReleasing) { self.onClose() }
                return
            }
            offset += written
        }
    }
}
