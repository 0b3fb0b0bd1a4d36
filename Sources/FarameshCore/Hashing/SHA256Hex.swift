import Crypto

/// SHA-256 as lower-case hex, the form every Faramesh hash takes on the wire.
public enum SHA256Hex {
    public static func hash(_ bytes: some Sequence<UInt8>) -> String {
        if let hex = bytes.withContiguousStorageIfAvailable({ hashBuffer(UnsafeRawBufferPointer($0)) }) {
            return hex
        }
        let copy = Array(bytes)
        return copy.withUnsafeBytes { hashBuffer($0) }
    }

    public static func hash(_ s: String) -> String {
        if let hex = s.utf8.withContiguousStorageIfAvailable({ hashBuffer(UnsafeRawBufferPointer($0)) }) {
            return hex
        }
        var copy = s
        return copy.withUTF8 { hashBuffer(UnsafeRawBufferPointer($0)) }
    }

    /// The raw 32-byte digest.
    public static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return Array(hasher.finalize())
    }

    static func hashBuffer(_ bytes: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return hex(hasher.finalize())
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of any bytes.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let count = bytes.underestimatedCount
        var out: [UInt8] = []
        out.reserveCapacity(count * 2)
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: raw.count * 2) { out in
                var j = 0
                for b in raw {
                    out[j] = hexDigits[Int(b >> 4)]
                    out[j + 1] = hexDigits[Int(b & 0x0F)]
                    j += 2
                }
                return j
            }
        }
    }
}
