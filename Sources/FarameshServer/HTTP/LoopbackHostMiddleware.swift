import FarameshAPI
import HTTPTypes
import Hummingbird

/// In local mode (no token configured, every caller is the admin `local`), answers only requests
/// whose `Host` is a loopback name: `localhost`, `127.0.0.0/8` or `[::1]`, with an optional port.
/// A web page that rebinds its own DNS name to 127.0.0.1 sends its own name as `Host`, so it
/// never reaches the local-mode API. With tokens the check is off (the token is the guard).
struct LoopbackHostMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: Authenticator
    /// HTTPTypes marks `.host` unavailable (it is the authority); a repeated Host header still
    /// arrives as a field. The literal is a valid token, so the unwrap cannot fail.
    static let hostField = HTTPField.Name("Host")!

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard self.authenticator.mode == .local else { return try await next(request, context) }
        // HTTP/1 puts the first Host header into the authority; any further Host header stays a field.
        let hosts = [request.head.authority].compactMap { $0 } + request.headers[values: Self.hostField]
        guard !hosts.isEmpty, hosts.allSatisfy(Self.isLoopback) else {
            throw APIError(
                .forbidden,
                .hostNotAllowed,
                "This server runs in local mode (no token configured) and answers only loopback Host names (localhost, 127.0.0.1, [::1])"
            )
        }
        return try await next(request, context)
    }

    /// `localhost`, an IPv4 address in 127.0.0.0/8, or `[::1]`, each with an optional `:port`.
    static func isLoopback(_ authority: String) -> Bool {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let address = host[host.index(after: host.startIndex)..<close]
            guard self.isPort(host[host.index(after: close)...]) else { return false }
            return address == "::1" || address == "0:0:0:0:0:0:0:1"
        }
        if let colon = host.firstIndex(of: ":") {
            guard self.isPort(host[colon...]) else { return false }
            host = host[..<colon]
        }
        if host.lowercased() == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            !octet.isEmpty && octet.count <= 3 && octet.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
                && Int(octet)! <= 255
        }
    }

    /// Empty, or `:` and 1–5 digits.
    private static func isPort(_ text: Substring) -> Bool {
        if text.isEmpty { return true }
        guard text.first == ":" else { return false }
        let digits = text.dropFirst()
        return !digits.isEmpty && digits.count <= 5 && digits.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }
}
