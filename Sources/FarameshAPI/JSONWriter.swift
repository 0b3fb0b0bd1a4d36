/// Appends JSON text to a byte array, keys in the order they are written.
///
/// Responses are written with this instead of Foundation's `JSONEncoder`: the output is
/// deterministic (same bytes for the same value in every process) and it is several times
/// faster, which matters on the `/v1/gate/decide` path. Nested documents (`params`, `context`,
/// event `meta`) are written in canonical form by `CanonicalJSON`.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// One flag per open container: true until its first member is written.
    private var firstInContainer: [Bool] = []

    public init(reservingCapacity capacity: Int = 512) {
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    // MARK: containers

    public mutating func beginObject() {
        self.separateValue()
        self.bytes.append(UInt8(ascii: "{"))
        self.firstInContainer.append(true)
    }

    public mutating func endObject() {
        self.firstInContainer.removeLast()
        self.bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        self.separateValue()
        self.bytes.append(UInt8(ascii: "["))
        self.firstInContainer.append(true)
    }

    public mutating func endArray() {
        self.firstInContainer.removeLast()
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"key":`; the next value call writes the member's value.
    public mutating func key(_ key: String) {
        self.separateMember()
        Self.appendQuoted(key, to: &self.bytes)
        self.bytes.append(UInt8(ascii: ":"))
        self.pendingValueAfterKey = true
    }

    // MARK: scalars

    public mutating func string(_ value: String) {
        self.separateValue()
        Self.appendQuoted(value, to: &self.bytes)
    }

    public mutating func string(_ value: String?) {
        if let value { self.string(value) } else { self.null() }
    }

    public mutating func int(_ value: Int64) {
        self.separateValue()
        self.bytes.append(contentsOf: String(value).utf8)
    }

    public mutating func int(_ value: Int) { self.int(Int64(value)) }

    public mutating func bool(_ value: Bool) {
        self.separateValue()
        self.bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
    }

    public mutating func null() {
        self.separateValue()
        self.bytes.append(contentsOf: Self.nullBytes)
    }

    /// Writes a whole document in canonical form (sorted keys, canonical numbers).
    public mutating func value(_ value: JSONValue) {
        self.separateValue()
        CanonicalJSON.append(value, to: &self.bytes)
    }

    /// Writes `value` or `null`.
    public mutating func value(_ value: JSONValue?) {
        if let value { self.value(value) } else { self.null() }
    }

    // MARK: member helpers

    public mutating func member(_ key: String, _ value: String) {
        self.key(key)
        self.string(value)
    }
    public mutating func member(_ key: String, _ value: String?) {
        self.key(key)
        self.string(value)
    }
    public mutating func member(_ key: String, _ value: Bool) {
        self.key(key)
        self.bool(value)
    }
    public mutating func member(_ key: String, _ value: Int64) {
        self.key(key)
        self.int(value)
    }
    public mutating func member(_ key: String, _ value: Int) {
        self.key(key)
        self.int(value)
    }
    public mutating func member(_ key: String, json value: JSONValue?) {
        self.key(key)
        self.value(value)
    }
    public mutating func nullMember(_ key: String) {
        self.key(key)
        self.null()
    }

    // MARK: separators

    private var pendingValueAfterKey = false

    /// Called before a value: inside an array, values after the first get a comma.
    private mutating func separateValue() {
        if self.pendingValueAfterKey {
            self.pendingValueAfterKey = false
            return
        }
        guard let last = self.firstInContainer.indices.last else { return }
        if self.firstInContainer[last] {
            self.firstInContainer[last] = false
        } else {
            self.bytes.append(UInt8(ascii: ","))
        }
    }

    /// Called before a key: members after the first get a comma.
    private mutating func separateMember() {
        guard let last = self.firstInContainer.indices.last else { return }
        if self.firstInContainer[last] {
            self.firstInContainer[last] = false
        } else {
            self.bytes.append(UInt8(ascii: ","))
        }
    }

    // MARK: encoding

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)

    /// RFC 8259 string literal, escaped exactly as in canonical JSON.
    static func appendQuoted(_ string: String, to bytes: inout [UInt8]) {
        CanonicalJSON.appendString(string, to: &bytes)
    }
}

/// A wire type that writes itself as JSON.
public protocol JSONWritable: Sendable {
    func write(to writer: inout JSONWriter)
}

extension JSONWritable {
    /// The value as UTF-8 JSON text.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        self.write(to: &writer)
        return writer.bytes
    }
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.beginArray()
        for element in self { element.write(to: &writer) }
        writer.endArray()
    }
}
