#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A precompiled name matcher for `tool`, `op`, `agent_id`, `branch` and `allowed_tools`:
/// `"*"` matches anything, a `*` inside matches any run of characters (`stripe.*`, `read_*`,
/// `*.admin`, `db.*.read`), every other character matches itself (case-sensitive, comparing UTF-8
/// bytes: no Unicode normalization).
public struct NamePattern: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case any
        case exact(String)
        case prefix([UInt8])
        case suffix([UInt8])
        /// Literal pieces between `*`s; `anchoredStart` / `anchoredEnd` when the pattern does not
        /// begin / end with `*`.
        case glob(pieces: [[UInt8]], anchoredStart: Bool, anchoredEnd: Bool)
    }

    /// The pattern as written in the file.
    public let pattern: String
    let kind: Kind

    public init(_ pattern: String) {
        self.pattern = pattern
        let bytes = Array(pattern.utf8)
        let stars = bytes.lazy.filter { $0 == UInt8(ascii: "*") }.count
        if stars == 0 {
            kind = .exact(pattern)
        } else if bytes.allSatisfy({ $0 == UInt8(ascii: "*") }) {
            kind = .any
        } else if stars == 1, bytes.last == UInt8(ascii: "*") {
            kind = .prefix(Array(bytes.dropLast()))
        } else if stars == 1, bytes.first == UInt8(ascii: "*") {
            kind = .suffix(Array(bytes.dropFirst()))
        } else {
            let pieces = bytes.split(separator: UInt8(ascii: "*"), omittingEmptySubsequences: true).map(Array.init)
            kind = .glob(
                pieces: pieces,
                anchoredStart: bytes.first != UInt8(ascii: "*"),
                anchoredEnd: bytes.last != UInt8(ascii: "*")
            )
        }
    }

    public var description: String { pattern }

    /// True when this is `"*"` (matches every name).
    public var matchesEverything: Bool { kind == .any }

    /// The name when the pattern has no `*`: such rules are indexed by it.
    public var exactName: String? {
        if case .exact(let name) = kind { return name }
        return nil
    }

    /// The first UTF-8 byte every matching name starts with, when the pattern fixes it.
    var requiredFirstByte: UInt8? {
        switch kind {
        case .any, .suffix: return nil
        case .exact(let name): return name.utf8.first
        case .prefix(let prefix): return prefix.first
        case .glob(let pieces, let anchoredStart, _): return anchoredStart ? pieces.first?.first : nil
        }
    }

    @inline(__always)
    public func matches(_ value: String) -> Bool {
        switch kind {
        case .any:
            return true
        case .exact(let name):
            return Self.withBytes(value) { bytes in
                Self.withBytes(name) { bytes.count == $0.count && Self.equal(bytes, 0, $0) }
            }
        case .prefix(let prefix):
            return Self.withBytes(value) { bytes in
                bytes.count >= prefix.count && prefix.withUnsafeBufferPointer { Self.equal(bytes, 0, $0) }
            }
        case .suffix(let suffix):
            return Self.withBytes(value) { bytes in
                bytes.count >= suffix.count
                    && suffix.withUnsafeBufferPointer { Self.equal(bytes, bytes.count - suffix.count, $0) }
            }
        case .glob(let pieces, let anchoredStart, let anchoredEnd):
            return Self.withBytes(value) { Self.globMatch($0, pieces, anchoredStart, anchoredEnd) }
        }
    }

    // MARK: - Byte matching

    @inline(__always)
    static func withBytes<R>(_ value: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = value.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(value.utf8).withUnsafeBufferPointer(body)
    }

    @inline(__always)
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ needle: UnsafeBufferPointer<UInt8>) -> Bool
    {
        var i = 0
        while i < needle.count {
            if bytes[offset + i] != needle[i] { return false }
            i += 1
        }
        return true
    }

    /// Index of the first occurrence of `needle` in `bytes` at or after `from`, or nil.
    static func find(_ needle: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard !needle.isEmpty else { return from }
        guard from <= bytes.count, bytes.count - from >= needle.count,
            let base = bytes.baseAddress, let needleBase = needle.baseAddress
        else { return nil }
        // memchr (vectorized) finds candidates for the first byte; memcmp checks the rest.
        let first = Int32(needle[0])
        var position = from
        let last = bytes.count - needle.count
        while position <= last {
            guard let hit = memchr(base + position, first, last - position + 1) else { return nil }
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if needle.count == 1 { return at }
            if bytes[at + 1] == needle[1]
                && (needle.count == 2 || memcmp(base + at + 2, needleBase + 2, needle.count - 2) == 0)
            {
                return at
            }
            position = at + 1
        }
        return nil
    }

    private static func globMatch(
        _ bytes: UnsafeBufferPointer<UInt8>,
        _ pieces: [[UInt8]],
        _ anchoredStart: Bool,
        _ anchoredEnd: Bool
    ) -> Bool {
        var position = 0
        var end = bytes.count
        var first = 0
        var last = pieces.count
        if anchoredStart, let head = pieces.first {
            guard bytes.count >= head.count, head.withUnsafeBufferPointer({ equal(bytes, 0, $0) }) else { return false }
            position = head.count
            first = 1
        }
        if anchoredEnd, last > first, let tail = pieces.last {
            guard end - position >= tail.count,
                tail.withUnsafeBufferPointer({ equal(bytes, end - tail.count, $0) })
            else { return false }
            end -= tail.count
            last -= 1
        }
        guard first <= last else { return true }
        for index in first..<last {
            let found = pieces[index].withUnsafeBufferPointer { needle -> Int? in
                guard let at = find(needle, in: UnsafeBufferPointer(rebasing: bytes[0..<end]), from: position) else {
                    return nil
                }
                return at + needle.count
            }
            guard let next = found else { return false }
            position = next
        }
        return position <= end
    }
}
