/// Why a request body (or a response read by a client) does not have the expected shape.
/// Safe to show to clients: it names the field and the rule, never echoes the value.
package struct WireValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        /// Wrong type, missing, unknown or out-of-range field: HTTP 422.
        case invalid
        /// A size limit was exceeded: HTTP 413.
        case tooLarge
    }

    package var kind: Kind
    /// Dotted path of the offending field (`"params"`, `"agent_id"`), or `""` for the body itself.
    package var field: String
    package var message: String

    package init(_ kind: Kind = .invalid, field: String, message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    package var description: String { self.field.isEmpty ? self.message : "\(self.field): \(self.message)" }
}
