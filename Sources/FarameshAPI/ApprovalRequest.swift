/// Body of `POST /v1/actions/{id}/approval`: `{"token", "approve", "reason"?}`.
package struct ApprovalRequest: Sendable, Hashable, JSONWritable {
    package static let maxReasonLength = 2_000
    static let fields: Set<String> = ["token", "approve", "reason"]

    /// The action's single-use approval token (shown to approvers by `GET /v1/actions/{id}`).
    package var token: String
    package var approve: Bool
    package var reason: String?

    package init(token: String, approve: Bool, reason: String? = nil) {
        self.token = token
        self.approve = approve
        self.reason = reason
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let reader = try FieldReader(json, allowed: Self.fields)
        self.token = try WireText.identifier(try reader.string("token"), field: "token")
        self.approve = try reader.bool("approve")
        self.reason = try reader.optionalString("reason").map { (r: String) throws(WireValidationError) -> String in
            try WireText.text(r, field: "reason", maxLength: Self.maxReasonLength)
        }
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("token", self.token)
        writer.member("approve", self.approve)
        writer.member("reason", self.reason)
        writer.endObject()
    }
}
