/// Reads the members of one JSON object with exact type checks and field paths for errors.
package struct FieldReader: Sendable {
    package let members: [String: JSONValue]
    /// Path of this object (`""` for the document root).
    package let path: String

    /// - Parameters:
    ///   - value: must be an object.
    ///   - allowed: when given, any other member is rejected (`extra="forbid"` in the original).
    package init(_ value: JSONValue, path: String = "", allowed: Set<String>? = nil) throws(WireValidationError) {
        guard case .object(let members) = value else {
            throw WireValidationError(field: path, message: "must be a JSON object")
        }
        if let allowed {
            // Report the first unknown field in a stable (sorted) order.
            if let unknown = members.keys.filter({ !allowed.contains($0) }).min() {
                throw WireValidationError(field: Self.join(path, unknown), message: "unknown field")
            }
        }
        self.members = members
        self.path = path
    }

    package func fieldPath(_ key: String) -> String { Self.join(self.path, key) }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    private func missing(_ key: String) -> WireValidationError {
        WireValidationError(field: self.fieldPath(key), message: "field required")
    }

    private func wrongType(_ key: String, _ expected: String) -> WireValidationError {
        WireValidationError(field: self.fieldPath(key), message: "must be \(expected)")
    }

    /// The raw member, `nil` when absent.
    package func raw(_ key: String) -> JSONValue? { self.members[key] }

    package func string(_ key: String) throws(WireValidationError) -> String {
        guard let value = self.members[key] else { throw self.missing(key) }
        guard case .string(let s) = value else { throw self.wrongType(key, "a string") }
        return s
    }

    /// Absent or `null` gives nil.
    package func optionalString(_ key: String) throws(WireValidationError) -> String? {
        switch self.members[key] {
        case nil, .null?: return nil
        case .string(let s)?: return s
        default: throw self.wrongType(key, "a string or null")
        }
    }

    package func bool(_ key: String) throws(WireValidationError) -> Bool {
        guard let value = self.members[key] else { throw self.missing(key) }
        guard case .bool(let b) = value else { throw self.wrongType(key, "a boolean") }
        return b
    }

    package func optionalBool(_ key: String) throws(WireValidationError) -> Bool? {
        switch self.members[key] {
        case nil, .null?: return nil
        case .bool(let b)?: return b
        default: throw self.wrongType(key, "a boolean or null")
        }
    }

    package func int(_ key: String) throws(WireValidationError) -> Int64 {
        guard let value = self.members[key] else { throw self.missing(key) }
        guard case .int(let i) = value else { throw self.wrongType(key, "an integer") }
        return i
    }

    package func object(_ key: String) throws(WireValidationError) -> JSONValue {
        guard let value = self.members[key] else { throw self.missing(key) }
        guard case .object = value else { throw self.wrongType(key, "an object") }
        return value
    }

    /// Absent or `null` gives nil.
    package func optionalObject(_ key: String) throws(WireValidationError) -> JSONValue? {
        switch self.members[key] {
        case nil, .null?: return nil
        case .object?: return self.members[key]
        default: throw self.wrongType(key, "an object or null")
        }
    }

    package func array(_ key: String) throws(WireValidationError) -> [JSONValue] {
        guard let value = self.members[key] else { throw self.missing(key) }
        guard case .array(let items) = value else { throw self.wrongType(key, "an array") }
        return items
    }

    /// A string member that must be one of an enum's raw values.
    package func enumValue<E: RawRepresentable>(_ key: String, _ type: E.Type) throws(WireValidationError) -> E
    where E.RawValue == String {
        let raw = try self.string(key)
        guard let value = E(rawValue: raw) else {
            throw WireValidationError(field: self.fieldPath(key), message: "unknown value")
        }
        return value
    }

    package func optionalEnumValue<E: RawRepresentable>(_ key: String, _ type: E.Type) throws(WireValidationError) -> E?
    where E.RawValue == String {
        guard let raw = try self.optionalString(key) else { return nil }
        guard let value = E(rawValue: raw) else {
            throw WireValidationError(field: self.fieldPath(key), message: "unknown value")
        }
        return value
    }
}
