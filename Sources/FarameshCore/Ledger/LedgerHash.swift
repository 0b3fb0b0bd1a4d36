import Crypto

/// A 32-byte SHA-256 value of the audit ledger (leaf, node, root or chain hash).
///
/// Stored inline (four words, no heap allocation): verifying a million-entry ledger hashes and
/// compares a few million of these. The words hold the bytes in memory order, so
/// `withUnsafeBytes` yields exactly the 32 digest bytes.
public struct LedgerHash: Sendable, Hashable, Comparable, CustomStringConvertible {
    private var w0: UInt64 = 0
    private var w1: UInt64 = 0
    private var w2: UInt64 = 0
    private var w3: UInt64 = 0

    /// 32 zero bytes: the global chain's value before the first entry.
    public static let zero = LedgerHash()

    private init() {}

    /// Exactly 32 bytes; nil otherwise.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var value = LedgerHash()
        withUnsafeMutableBytes(of: &value) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        self = value
    }

    /// 64 hex digits (either case); nil otherwise.
    public init?(hex: some StringProtocol) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var value = LedgerHash()
        let ok = withUnsafeMutableBytes(of: &value) { raw -> Bool in
            for i in 0..<32 {
                guard let hi = Self.nibble(utf8[2 * i]), let lo = Self.nibble(utf8[2 * i + 1]) else { return false }
                raw[i] = hi << 4 | lo
            }
            return true
        }
        guard ok else { return nil }
        self = value
    }

    /// SHA-256 of `bytes`.
    public static func sha256(_ bytes: UnsafeRawBufferPointer) -> LedgerHash {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return LedgerHash(digest: hasher.finalize())
    }

    public static func sha256(_ bytes: [UInt8]) -> LedgerHash {
        bytes.withUnsafeBytes { sha256($0) }
    }

    init(digest: SHA256.Digest) {
        var value = LedgerHash()
        withUnsafeMutableBytes(of: &value) { target in
            digest.withUnsafeBytes { source in target.copyMemory(from: source) }
        }
        self = value
    }

    /// Feeds the 32 bytes to `hasher`.
    func update(_ hasher: inout SHA256) {
        withUnsafeBytes(of: self) { hasher.update(bufferPointer: $0) }
    }

    public var bytes: [UInt8] { withUnsafeBytes(of: self) { Array($0) } }

    /// Lower-case hex, the form every hash takes on the wire and in the database.
    public var hex: String {
        withUnsafeBytes(of: self) { raw in
            String(unsafeUninitializedCapacity: 64) { out in
                for (i, b) in raw.enumerated() {
                    out[2 * i] = Self.digits[Int(b >> 4)]
                    out[2 * i + 1] = Self.digits[Int(b & 0x0F)]
                }
                return 64
            }
        }
    }

    public var description: String { hex }

    /// Byte order (as the hex text sorts).
    public static func < (lhs: LedgerHash, rhs: LedgerHash) -> Bool {
        withUnsafeBytes(of: lhs) { a in withUnsafeBytes(of: rhs) { b in a.lexicographicallyPrecedes(b) } }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
