/// Body of `POST /v1/actions/{id}/result`: `{"success", "error"?}`; unknown fields (e.g. `result`) are rejected.
package struct ResultRequest: Sendable, Hashable, JSONWritable {
    static let fields: Set<String> = ["success", "error"]

    package var success: Bool
    /// Free text; long messages are truncated (never rejected) by the server.
    package var error: String?

    package init(success: Bool, error: String? = nil) {
        self.success = success
        self.error = error
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let reader = try FieldReader(json, allowed: Self.fields)
        self.success = try reader.bool("success")
        // No length rule here (the server truncates long errors); NUL is refused.
        self.error = try reader.optionalString("error").map { (e: String) throws(WireValidationError) -> String in
            try WireText.text(e, field: "error", maxLength: Int.max)
        }
    }

    package func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("success", self.success)
        writer.member("error", self.error)
        writer.endObject()
    }
}
