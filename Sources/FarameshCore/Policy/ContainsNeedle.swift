/// A compiled `contains:` needle: a byte-exact substring test on the canonical JSON of params.
final class ContainsNeedle: Sendable {
    let source: String
    let bytes: [UInt8]

    init(_ source: String) {
        self.source = source
        self.bytes = Array(source.utf8)
    }

    func matches(_ text: String) -> Bool {
        NamePattern.withBytes(text) { haystack in
            bytes.withUnsafeBufferPointer { NamePattern.find($0, in: haystack, from: 0) } != nil
        }
    }
}
