/// Body of `POST /v1/actions` and `POST /v1/gate/decide`:
/// `{"agent_id", "tool", "operation", "params", "context"?}`; unknown fields are rejected.
package struct SubmitActionRequest: Sendable, Hashable, JSONWritable {
    /// Canonical JSON size limit of `params`, in bytes.
    package static let maxParamsBytes = 100_000
    /// Canonical JSON size limit of `context`, in bytes.
    package static let maxContextBytes = 10_000
    static let fields: Set<String> = ["agent_id", "tool", "operation", "params", "context"]

    package var agentID: String
    package var tool: String
    package var operation: String
    /// Always an object; string values are kept exactly as sent.
    package var params: JSONValue
    /// An object, or nil when absent or `null`.
    package var context: JSONValue?

    package init(
        agentID: String,
        tool: String,
        operation: String,
        params: JSONValue = .object([:]),
        context: JSONValue? = nil
    ) {
        self.agentID = agentID
        self.tool = tool
        self.operation = operation
        self.params = params
        self.context = context
    }

    /// Validates a parsed body: types, unknown fields, text rules (`WireText`) and size limits.
    package init(json: JSONValue) throws(WireValidationError) {
        let reader = try FieldReader(json, allowed: Self.fields)
        self.agentID = try WireText.name(try reader.string("agent_id"), field: "agent_id")
        self.tool = try WireText.name(try reader.string("tool"), field: "tool")
        self.operation = try WireText.identifier(try reader.string("operation"), field: "operation")
        self.params = try reader.object("params")
        self.context = try reader.optionalObject("context")
        if CanonicalJSON.bytes(self.params).count > Self.maxParamsBytes {
            throw WireValidationError(
                .tooLarge,
                field: "params",
                message: "must be at most \(Self.maxParamsBytes) bytes as canonical JSON"
            )
        }
        if let context = self.context, CanonicalJSON.bytes(context).count > Self.maxContextBytes {
            throw WireValidationError(
                .tooLarge,
                field: "context",
                message: "must be at most \(Self.maxContextBytes) bytes as canonical JSON"
            )
        }
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("agent_id", self.agentID)
        writer.member("tool", self.tool)
        writer.member("operation", self.operation)
        writer.member("params", json: self.params)
        writer.member("context", json: self.context)
        writer.endObject()
    }
}
