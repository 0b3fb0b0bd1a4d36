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
    /// `nosniff` on every response: browsers never guess a type other than the declared one.
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    /// HSTS, sent when the server itself serves TLS.
    static let strictTransportSecurity = HTTPField.Name("Strict-Transport-Security")!
}
