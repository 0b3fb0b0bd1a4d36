import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Lets go of the file pages the proxy only needed to start.
///
/// Most of the proxy's resident memory is file pages: code, read-only data, unwind tables and
/// Swift metadata of the `faramesh` executable (which also holds the server, the stores and the
/// CLI) and of the shared libraries that libcurl brings in. Starting up (the loader, the
/// runtime, argument parsing, the child process, the first gatekeeper connection) touches far
/// more of them than relaying calls does, and the kernel maps up to 64 KiB around each touched
/// page. At each `Stage` (when `main` starts, once the command line has been read, once
/// `initialize` has been answered, once the first governed call has been answered) the proxy
/// drops its page-table entries of every private, non-writable file mapping that holds no
/// private (copied-on-write) page. Such pages are exactly the file's bytes, so nothing is lost:
/// what the relay still reads comes back from the page cache on first use (a minor fault), and
/// the rest stays out of the proxy's resident set. Mappings with a private page (relocated
/// read-only data among them), writable and anonymous ones stay.
package enum ResidentCode {
    /// The points of the proxy's life after which what ran before is not needed again.
    package enum Stage: Sendable {
        /// `main` has started: the loader's and the runtime's start-up work is done.
        case launched
        /// The command line is read and the process configured: the argument parser's work is
        /// done.
        case configured
        /// The server's answer to `initialize` has been relayed: the proxy's own start-up (the
        /// child process, the connections) is done.
        case initialized
        /// The first governed call has been answered: the whole relay path has run once.
        case firstCall

        private static let launchedFlag = OnceFlag()
        private static let configuredFlag = OnceFlag()
        private static let initializedFlag = OnceFlag()
        private static let firstCallFlag = OnceFlag()

        fileprivate var flag: OnceFlag {
            switch self {
            case .launched: Self.launchedFlag
            case .configured: Self.configuredFlag
            case .initialized: Self.initializedFlag
            case .firstCall: Self.firstCallFlag
            }
        }
    }

    /// Drops the process's mappings of clean read-only file pages, once per stage.
    /// Returns the bytes of address space advised (0 on later calls and where unsupported).
    @discardableResult
    package static func release(after stage: Stage) -> Int {
        guard stage.flag.set() else { return 0 }
        #if os(Linux)
        guard let smaps = self.procText("/proc/self/smaps") else { return 0 }
        var advised = 0
        for range in self.cleanReadOnlyFileRanges(smaps) {
            guard let start = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { continue }
            if madvise(start, range.count, MADV_DONTNEED) == 0 { advised += range.count }
        }
        return advised
        #else
        return 0
        #endif
    }

    /// The address ranges, in a `/proc/PID/smaps` text, of private mappings of files that are not
    /// writable and report `Anonymous: 0 kB`: every resident page is the file's own, so dropping
    /// them loses nothing. A mapping whose `Anonymous` line is missing is left alone.
    static func cleanReadOnlyFileRanges(_ smaps: String) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var candidate: Range<Int>?
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.hasSuffix(":") {
                if first == "Anonymous:", let range = candidate {
                    if fields.count >= 2, fields[1] == "0" { ranges.append(range) }
                    candidate = nil
                }
                continue
            }
            candidate = nil
            guard fields.count >= 6, let range = Self.addressRange(first) else { continue }
            let permissions = Array(fields[1].utf8)
            guard permissions.count == 4, permissions[0] == UInt8(ascii: "r"),
                permissions[1] == UInt8(ascii: "-"), permissions[3] == UInt8(ascii: "p"),
                fields[5].hasPrefix("/")
            else { continue }
            candidate = range
        }
        return ranges
    }

    private static func addressRange(_ field: Substring) -> Range<Int>? {
        let bounds = field.split(separator: "-")
        guard bounds.count == 2, let start = Int(bounds[0], radix: 16), let end = Int(bounds[1], radix: 16),
            start < end
        else { return nil }
        return start..<end
    }

    #if os(Linux)
    /// The whole text of a `/proc` file. `/proc` files report size 0 and hand out their text in
    /// pieces, so this reads until end of file (Foundation's whole-file readers stop short).
    static func procText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { SystemCalls.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    #endif
}
