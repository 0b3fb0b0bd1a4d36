import FarameshClient
import Foundation

/// Resolves where the server is, which token to send and how long to wait.
///
/// Base URL: `FARAMESH_BASE_URL` or `FARA_API_BASE` (a full URL) wins; else `--host`/`--port`;
/// else `FARAMESH_HOST`/`FARA_API_HOST` and `FARAMESH_PORT`/`FARA_API_PORT`; else
/// `http://127.0.0.1:8000`. A wildcard bind address (0.0.0.0, ::) is reached on loopback.
/// Token: `--token`, else `FARAMESH_TOKEN`, else `FARA_AUTH_TOKEN` (the first of a
/// comma-separated list). Environment values may also come from `.env`.
enum ClientSettings {
    static let defaultTimeout: Duration = .seconds(10)

    static func resolve(_ options: ClientOptions, _ source: SettingsSource) throws -> FarameshClientConfiguration {
        let baseURL: BaseURL
        if let full = source.string(flag: nil, ["FARAMESH_BASE_URL", "FARA_API_BASE"]) {
            baseURL = try BaseURL(full)
        } else {
            var host = options.host ?? source.string(flag: nil, ["FARAMESH_HOST", "FARA_API_HOST"]) ?? "127.0.0.1"
            if host == "0.0.0.0" { host = "127.0.0.1" }
            if host == "::" || host == "[::]" { host = "::1" }
            let port = try options.port ?? source.int(flag: nil, ["FARAMESH_PORT", "FARA_API_PORT"]) ?? 8000
            guard (1...65535).contains(port) else {
                throw SettingsError.invalid("FARAMESH_PORT", String(port), "a port number")
            }
            baseURL = try BaseURL(host: host, port: port)
        }
        let tokenList = source.string(flag: options.token, ["FARAMESH_TOKEN", "FARA_AUTH_TOKEN"])
        let token = tokenList.flatMap { list in
            list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.first { !$0.isEmpty }
        }
        let timeout = try source.duration(flag: options.timeout, ["FARAMESH_TIMEOUT"]) ?? Self.defaultTimeout
        return FarameshClientConfiguration(
            baseURL: baseURL,
            token: token,
            requestTimeout: timeout,
            userAgent: "faramesh-cli/\(ServeSettings.runtimeVersion)"
        )
    }
}
