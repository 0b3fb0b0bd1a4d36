/// Appends JSON text to a byte array, keys in the order they are written.
///
/// Responses are written with this instead of Foundation's `JSONEncoder`: the output is
/// deterministic (same bytes for the same value in every process) and it is several times
/// faster, which matters on the `/v1/gate/decide` path. Nested documents (`params`, `context`,
/// event `meta`) are written in canonical form by `CanonicalJSON`.
package struct JSONWriter: Sendable {
    package private(set) var bytes: [UInt8]
    /// One flag per open container: true until its first member is written.
    private var firstInContainer: [Bool] = []

    package init(reservingCapacity capacity: Int = 512) {
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    // MARK: containers

    package mutating func beginObject() {
        self.separateValue()
        self.bytes.append(UInt8(ascii: "{"))
        self.firstInContainer.append(true)
    }

    package mutating func endObject() {
        self.firstInContainer.removeLast()
        self.bytes.append(UInt8(ascii: "}"))
    }

    package mutating func beginArray() {
        self.separateValue()
        self.bytes.append(UInt8(ascii: "["))
        self.firstInContainer.append(true)
    }

    package mutating func endArray() {
        self.firstInContainer.removeLast()
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// Writes `"key":`; the next value call writes the member's value.
    package mutating func key(_ key: String) {
        self.separateMember()
        Self.appendQuoted(key, to: &self.bytes)
        self.bytes.append(UInt8(ascii: ":"))
        self.pendingValueAfterKey = true
    }

    // MARK: scalars

    package mutating func string(_ value: String) {
        self.separateValue()
        Self.appendQuoted(value, to: &self.bytes)
    }

    package mutating func string(_ value: String?) {
        if let value { self.string(value) } else { self.null() }
    }

    package mutating func int(_ value: Int64) {
        self.separateValue()
        self.bytes.append(contentsOf: String(value).utf8)
    }

    package mutating func int(_ value: Int) { self.int(Int64(value)) }

    package mutating func bool(_ value: Bool) {
        self.separateValue()
        self.bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
    }

    package mutating func null() {
        self.separateValue()
        self.bytes.append(contentsOf: Self.nullBytes)
    }

    /// Writes a whole document in canonical form (sorted keys, canonical numbers).
    package mutating func value(_ value: JSONValue) {
        self.separateValue()
        CanonicalJSON.append(value, to: &self.bytes)
    }

    /// Writes `value` or `null`.
    package mutating func value(_ value: JSONValue?) {
        if let value { self.value(value) } else { self.null() }
    }

    // MARK: member helpers

    package mutating func member(_ key: String, _ value: String) {
        self.key(key)
        self.string(value)
    }
    package mutating func member(_ key: String, _ value: String?) {
        self.key(key)
        self.string(value)
    }
    package mutating func member(_ key: String, _ value: Bool) {
        self.key(key)
        self.bool(value)
    }
    package mutating func member(_ key: String, _ value: Int64) {
        self.key(key)
        self.int(value)
    }
    package mutating func member(_ key: String, _ value: Int) {
        self.key(key)
        self.int(value)
    }
    package mutating func member(_ key: String, json value: JSONValue?) {
        self.key(key)
        self.value(value)
    }
    package mutating func nullMember(_ key: String) {
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
package protocol JSONWritable: Sendable {
    func write(to writer: inout JSONWriter)
}

extension JSONWritable {
    /// The value as UTF-8 JSON text.
    package var jsonBytes: [UInt8] {
        var writer = JSONWriter()
        self.write(to: &writer)
        return writer.bytes
    }
}

extension Array: JSONWritable where Element: JSONWritable {
    package func write(to writer: inout JSONWriter) {
        writer.beginArray()
        for element in self { element.write(to: &writer) }
        writer.endArray()
    }
}
