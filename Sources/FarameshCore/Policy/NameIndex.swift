/// An immutable map from exact names (tools, operations) to ascending lists of rule indices,
/// built once per policy and stored flat (no per-key objects). Lookups take the name's `hash(of:)`
/// (computed once per request) and compare bytes: no `Hasher`, no retain, no allocation.
struct NameIndex: Sendable {
    /// Per slot (open addressing, linear probing): the key's hash with the low bit set, 0 = empty.
    private let hashes: ContiguousArray<UInt64>
    private let keyStart: ContiguousArray<Int32>
    private let keyLength: ContiguousArray<Int32>
    private let listStart: ContiguousArray<Int32>
    private let listCount: ContiguousArray<Int32>
    private let keyBytes: ContiguousArray<UInt8>
    /// Every bucket's rule indices, one after the other.
    let indices: ContiguousArray<Int32>
    private let mask: Int
    let isEmpty: Bool

    init(_ buckets: [String: [Int32]]) {
        var capacity = 4
        while capacity < buckets.count * 2 { capacity *= 2 }
        var hashes = ContiguousArray<UInt64>(repeating: 0, count: capacity)
        var keyStart = ContiguousArray<Int32>(repeating: 0, count: capacity)
        var keyLength = ContiguousArray<Int32>(repeating: 0, count: capacity)
        var listStart = ContiguousArray<Int32>(repeating: 0, count: capacity)
        var listCount = ContiguousArray<Int32>(repeating: 0, count: capacity)
        var keyBytes = ContiguousArray<UInt8>()
        var indices = ContiguousArray<Int32>()
        for key in buckets.keys.sorted() {
            let hash = Self.hash(of: key) | 1
            var slot = Int(truncatingIfNeeded: hash >> 1) & (capacity - 1)
            while hashes[slot] != 0 { slot = (slot + 1) & (capacity - 1) }
            hashes[slot] = hash
            keyStart[slot] = Int32(keyBytes.count)
            keyLength[slot] = Int32(key.utf8.count)
            keyBytes.append(contentsOf: key.utf8)
            let list = buckets[key] ?? []
            listStart[slot] = Int32(indices.count)
            listCount[slot] = Int32(list.count)
            indices.append(contentsOf: list)
        }
        self.hashes = hashes
        self.keyStart = keyStart
        self.keyLength = keyLength
        self.listStart = listStart
        self.listCount = listCount
        self.keyBytes = keyBytes
        self.indices = indices
        self.mask = capacity - 1
        self.isEmpty = buckets.isEmpty
    }

    /// FNV-1a over UTF-8 bytes: a cheap, deterministic hash for short names.
    @inline(__always)
    static func hash(of name: String) -> UInt64 {
        NamePattern.withBytes(name) { bytes in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            return hash
        }
    }

    /// The positions in `indices` of the list for `name` (whose `hash(of:)` is `hash`); empty
    /// when the name has no bucket.
    @inline(__always)
    func range(for name: String, hash: UInt64) -> Range<Int> {
        if isEmpty { return 0..<0 }
        let tagged = hash | 1
        var slot = Int(truncatingIfNeeded: tagged >> 1) & mask
        while true {
            let stored = hashes[slot]
            if stored == 0 { return 0..<0 }
            if stored == tagged {
                let start = Int(keyStart[slot])
                let length = Int(keyLength[slot])
                let same = NamePattern.withBytes(name) { bytes in
                    bytes.count == length
                        && keyBytes.withUnsafeBufferPointer { all in
                            NamePattern.equal(bytes, 0, UnsafeBufferPointer(rebasing: all[start..<(start + length)]))
                        }
                }
                if same {
                    let first = Int(listStart[slot])
                    return first..<(first + Int(listCount[slot]))
                }
            }
            slot = (slot + 1) & mask
        }
    }
}
