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
///
/// Fast path: a message of at most `PIPE_BUF` bytes, with nothing queued before it and room in
/// the descriptor (`poll` says writable), is written by the caller at once: such a write is
/// atomic and cannot block, and it saves a thread hand-off per message (the proxy's relay
/// writes two per call).
package final class LineWriter: Sendable {
    private let fd: Int32
    private let queue: DispatchQueue
    private let closed = Atomic<Bool>(false)
    /// Messages handed to the queue and not yet written (the fast path keeps the order by
    /// writing only when this is 0).
    private let queued = Atomic<Int>(0)
    /// Held by a fast-path write and by `close`, so a write never reaches a closed (or reused)
    /// descriptor.
    private let descriptor = Mutex(())
    /// POSIX guarantees at least 512; Linux and macOS use 4096 for pipes.
    static let atomicWriteLimit = 4096
    private let onClose: @Sendable () -> Void

    package init(fd: Int32, name: String, onClose: @escaping @Sendable () -> Void = {}) {
        self.fd = fd
        self.queue = DispatchQueue(label: name)
        self.onClose = onClose
    }

    package var isClosed: Bool { self.closed.load(ordering: .acquiring) }

    package func write(_ message: [UInt8]) {
        let line = message + [UInt8(ascii: "\n")]
        if line.count <= Self.atomicWriteLimit, self.queued.load(ordering: .acquiring) == 0, self.isWritable,
            self.writeAtOnce(line)
        {
            return
        }
        self.queued.add(1, ordering: .acquiringAndReleasing)
        self.queue.async {
            self.writeAll(line)
            self.queued.subtract(1, ordering: .acquiringAndReleasing)
        }
    }

    /// Room for an atomic write without blocking, right now.
    private var isWritable: Bool {
        var descriptor = pollfd(fd: self.fd, events: Int16(POLLOUT), revents: 0)
        return poll(&descriptor, 1, 0) == 1 && descriptor.revents & Int16(POLLOUT) != 0
    }

    /// One write of the whole line; false (nothing written) when it must go through the queue.
    private func writeAtOnce(_ line: [UInt8]) -> Bool {
        let written: Int? = self.descriptor.withLock { _ in
            guard !self.isClosed else { return nil }
            return line.withUnsafeBytes { SystemCalls.write(self.fd, $0.baseAddress!, $0.count) }
        }
        guard let written else { return true }
        if written == line.count { return true }
        if written < 0, errno == EINTR || errno == EAGAIN { return false }
        if written < 0 {
            if !self.closed.exchange(true, ordering: .acquiringAndReleasing) { self.onClose() }
            return true
        }
        // Not expected for an atomic write; the rest goes through the queue, in order.
        self.queued.add(1, ordering: .acquiringAndReleasing)
        let rest = Array(line[written...])
        self.queue.async {
            self.writeAll(rest)
            self.queued.subtract(1, ordering: .acquiringAndReleasing)
        }
        return true
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
                self.descriptor.withLock { _ in
                    if !self.closed.exchange(true, ordering: .acquiringAndReleasing) { SystemCalls.close(self.fd) }
                }
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
