import Foundation

/// Where the gatekeeper is and how long to wait for it.
package struct FarameshClientConfiguration: Sendable, Hashable {
    /// `http(s)://host[:port][/prefix]`, without a trailing slash (see `BaseURL`).
    package var baseURL: BaseURL
    /// Bearer token sent with every request, if any.
    package var token: String?
    /// How long a TCP (and TLS) connection may take to open.
    package var connectTimeout: Duration
    /// Upper bound on one whole request, body included (not used for event streams).
    package var requestTimeout: Duration
    /// An event stream with no bytes at all (not even heartbeat comments) for this long is
    /// considered dead and reconnected.
    package var streamIdleTimeout: Duration
    /// Sent as `User-Agent`.
    package var userAgent: String

    package init(
        baseURL: BaseURL,
        token: String? = nil,
        connectTimeout: Duration = .seconds(2),
        requestTimeout: Duration = .seconds(10),
        streamIdleTimeout: Duration = .seconds(90),
        userAgent: String = "faramesh-client"
    ) {
        self.baseURL = baseURL
        self.token = token
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.streamIdleTimeout = streamIdleTimeout
        self.userAgent = userAgent
    }
}
