import FarameshAPI

/// Everything that can go wrong talking to the gatekeeper; every description is one line and
/// safe to show (it never contains the bearer token).
package enum FarameshClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configured base URL is not an absolute http(s) URL.
    case invalidBaseURL(String)
    /// No connection could be made (refused, unresolvable host, connect timeout, reset).
    case unreachable(url: String, reason: String)
    /// The server accepted the connection but did not answer in time.
    case timedOut(url: String, after: Duration)
    /// The server answered with an error body (`{"detail","code"}`).
    case server(status: Int, error: ErrorResponse)
    /// The server answered with something this client does not understand.
    case unexpectedResponse(status: Int, message: String)

    package var description: String {
        switch self {
        case .invalidBaseURL(let text):
            return "invalid server URL '\(text)': expected http(s)://host[:port]"
        case .unreachable(let url, let reason):
            return "cannot reach faramesh at \(url) (\(reason))"
        case .timedOut(let url, let after):
            return "faramesh at \(url) did not answer within \(Self.format(after))"
        case .server(let status, let error):
            return "\(error.detail) (HTTP \(status), \(error.code))"
        case .unexpectedResponse(let status, let message):
            return "unexpected response (HTTP \(status)): \(message)"
        }
    }

    /// The HTTP status of a server answer, nil for transport errors.
    package var httpStatus: Int? {
        switch self {
        case .server(let status, _), .unexpectedResponse(let status, _): return status
        default: return nil
        }
    }

    /// The `code` of a server error body.
    package var errorCode: String? {
        if case .server(_, let error) = self { return error.code }
        return nil
    }

    static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return millis % 1000 == 0 ? "\(millis / 1000)s" : "\(millis)ms"
    }
}
