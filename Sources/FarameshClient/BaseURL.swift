import Foundation

/// A validated base URL: scheme `http` or `https`, a host, an optional port and path prefix.
package struct BaseURL: Sendable, Hashable, CustomStringConvertible {
    /// Normalised text without a trailing slash, e.g. `http://127.0.0.1:8000` or `https://gw.example/faramesh`.
    package let text: String

    /// - Throws: `FarameshClientError.invalidBaseURL` when `text` is not an absolute http(s) URL
    ///   without query or fragment.
    package init(_ text: String) throws(FarameshClientError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let components = URLComponents(string: trimmed),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty,
            components.query == nil, components.fragment == nil, components.user == nil
        else {
            throw FarameshClientError.invalidBaseURL(text)
        }
        if let port = components.port, !(1...65535).contains(port) { throw FarameshClientError.invalidBaseURL(text) }
        var normalised = trimmed
        while normalised.hasSuffix("/") { normalised.removeLast() }
        self.text = normalised
    }

    /// `http://host:port` from parts (IPv6 literals are bracketed).
    package init(host: String, port: Int, scheme: String = "http") throws(FarameshClientError) {
        let needsBrackets = host.contains(":") && !host.hasPrefix("[")
        try self.init("\(scheme)://\(needsBrackets ? "[\(host)]" : host):\(port)")
    }

    package var description: String { self.text }

    /// The full URL of `path` (starting with `/`) with an encoded query.
    package func url(_ path: String, query: [(String, String)] = []) -> String {
        guard !query.isEmpty else { return self.text + path }
        return self.text + path + "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(
        charactersIn:
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    )

    /// Percent-encodes everything but RFC 3986 unreserved characters (safe in paths and queries).
    package static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: self.unreserved) ?? ""
    }
}
