import HTTPTypes

extension HTTPField.Name {
    // The initializer fails only for names with characters outside the RFC 9110 token set;
    // these literals are valid tokens, so the unwraps cannot fail.

    /// Optional request header of `POST /v1/actions`.
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    /// Keyset cursor of the next page of `GET /v1/actions`.
    static let nextCursor = HTTPField.Name("X-Next-Cursor")!
    /// RFC 8288 link to the next page.
    static let link = HTTPField.Name("Link")!
}
