import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Lets go of the code pages the proxy only needed to start.
///
/// Most of the proxy's resident memory is file pages of code: the `faramesh` executable (which
/// also holds the server, the stores and the CLI) and the shared libraries that libcurl brings in.
/// Starting up (argument parsing, the child process, the first gatekeeper connection) touches far
/// more of that code than relaying calls does, and the kernel maps up to 64 KiB around each
/// touched page. Once the first governed call has been answered, the proxy drops its page-table
/// entries of every executable file mapping. Code pages are never written, so nothing is lost:
/// what the relay still runs comes back from the page cache on first use (a minor fault), and
/// the rest stays out of the proxy's resident set. Writable and read-only data (relocated
/// pointers among them) are left alone.
package enum ResidentCode {
    private static let released = OnceFlag()

    /// Drops the process's mappings of executable file pages, the first time it is called.
    /// Returns the bytes of address space advised (0 on later calls and where unsupported).
    @discardableResult
    package static func releaseStartupPages() -> Int {
        guard self.released.set() else { return 0 }
        #if os(Linux)
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return 0 }
        var advised = 0
        for range in self.executableFileRanges(maps) {
            guard let start = UnsafeMutableRawPointer(bitPattern: range.lowerBound) else { continue }
            if madvise(start, range.count, MADV_DONTNEED) == 0 { advised += range.count }
        }
        return advised
        #else
        return 0
        #endif
    }

    /// The address ranges of private, read-and-execute mappings of files in a `/proc/PID/maps`
    /// text (code: never written, so dropping their pages loses nothing).
    static func executableFileRanges(_ maps: String) -> [Range<Int>] {
        maps.split(separator: "\n").compactMap { line -> Range<Int>? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "r-xp", fields[5].hasPrefix("/") else { return nil }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = Int(bounds[0], radix: 16), let end = Int(bounds[1], radix: 16),
                start < end
            else { return nil }
            return start..<end
        }
    }
}
