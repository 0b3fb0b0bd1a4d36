/// Body of `POST /v1/actions/{id}/approval`: `{"token", "approve", "reason"?}`.
public struct ApprovalRequest: Sendable, Hashable, JSONWritable {
    public static let maxReasonLength = 2_000
    static let fields: Set<String> = ["token", "approve", "reason"]

    /// The action's single-use approval token (shown to approvers by `GET /v1/actions/{id}`).
    public var token: String
    public var approve: Bool
    public var reason: String?

    public init(token: String, approve: Bool, reason: String? = nil) {
        self.token = token
        self.approve = approve
        self.reason = reason
    }

    public init(json: JSONValue) throws(WireValidationError) {
        let reader = try FieldReader(json, allowed: Self.fields)
        self.token = try WireText.identifier(try reader.string("token"), field: "token")
        self.approve = try reader.bool("approve")
        self.reason = try reader.optionalString("reason").map { (r: String) throws(WireValidationError) -> String in
            try WireText.text(r, field: "reason", maxLength: Self.maxReasonLength)
        }
    }

    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("token", self.token)
        writer.member("approve", self.approve)
        writer.member("reason", self.reason)
        writer.endObject()
    }
}
