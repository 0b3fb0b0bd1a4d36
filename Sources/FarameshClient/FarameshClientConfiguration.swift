import Foundation

/// Where the gatekeeper is and how long to wait for it.
public struct FarameshClientConfiguration: Sendable, Hashable {
    /// `http(s)://host[:port][/prefix]`, without a trailing slash (see `BaseURL`).
    public var baseURL: BaseURL
    /// Bearer token sent with every request, if any.
    public var token: String?
    /// How long a TCP (and TLS) connection may take to open.
    public var connectTimeout: Duration
    /// Upper bound on one whole request, body included (not used for event streams).
    public var requestTimeout: Duration
    /// An event stream with no bytes at all (not even heartbeat comments) for this long is
    /// considered dead and reconnected.
    public var streamIdleTimeout: Duration
    /// Sent as `User-Agent`.
    public var userAgent: String

    public init(baseURL: BaseURL, token: String? = nil, connectTimeout: Duration = .seconds(2),
                requestTimeout: Duration = .seconds(10), streamIdleTimeout: Duration = .seconds(90),
                userAgent: String = "faramesh-client") {
        self.baseURL = baseURL
        self.token = token
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.streamIdleTimeout = streamIdleTimeout
        self.userAgent = userAgent
    }
}

/// A validated base URL: scheme `http` or `https`, a host, an optional port and path prefix.
public struct BaseURL: Sendable, Hashable, CustomStringConvertible {
    /// Normalised text without a trailing slash, e.g. `http://127.0.0.1:8000` or `https://gw.example/faramesh`.
    public let text: String

    /// - Throws: `FarameshClientError.invalidBaseURL` when `text` is not an absolute http(s) URL
    ///   without query or fragment.
    public init(_ text: String) throws(FarameshClientError) {
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
    public init(host: String, port: Int, scheme: String = "http") throws(FarameshClientError) {
        let needsBrackets = host.contains(":") && !host.hasPrefix("[")
        try self.init("\(scheme)://\(needsBrackets ? "[\(host)]" : host):\(port)")
    }

    public var description: String { self.text }

    /// The full URL of `path` (starting with `/`) with an encoded query.
    public func url(_ path: String, query: [(String, String)] = []) -> String {
        guard !query.isEmpty else { return self.text + path }
        return self.text + path + "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// Percent-encodes everything but RFC 3986 unreserved characters (safe in paths and queries).
    public static func encode(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: self.unreserved) ?? ""
    }
}
