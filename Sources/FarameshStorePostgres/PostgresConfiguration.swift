import Foundation
import PostgresNIO

/// Time limits the store puts on its own database calls.
///
/// PostgresNIO alone can queue a request for about a minute while the database is down (its
/// pool's circuit breaker), so every call has its own deadline and fails with
/// `StoreError.unavailable` instead of hanging.
package struct PostgresTimeouts: Sendable, Hashable {
    /// Every read and state change.
    package var operation: Duration
    /// `ping()` (readiness probes).
    package var ping: Duration
    /// `migrate()`, including the wait for another replica's migration lock.
    package var migration: Duration

    package init(operation: Duration = .seconds(5), ping: Duration = .seconds(1), migration: Duration = .seconds(300)) {
        self.operation = operation
        self.ping = ping
        self.migration = migration
    }
}

/// How to reach PostgreSQL: the PostgresNIO client configuration plus the store's time limits.
package struct PostgresConfiguration: Sendable {
    package var client: PostgresClient.Configuration
    package var timeouts: PostgresTimeouts

    /// Maximum pooled connections (the LISTEN connection of the event hub counts too).
    package var poolSize: Int {
        get { client.options.maximumConnections }
        set { client.options.maximumConnections = max(1, newValue) }
    }

    package init(client: PostgresClient.Configuration, timeouts: PostgresTimeouts = PostgresTimeouts()) {
        self.client = client
        self.timeouts = timeouts
    }

    /// Parses a libpq-style URL: `postgres[ql]://user[:password]@host[:port]/database[?params]`.
    ///
    /// Parameters: `sslmode` (disable, allow, prefer — the default —, require, verify-ca,
    /// verify-full), `sslrootcert` (PEM file for verify-ca/verify-full), `application_name`,
    /// `connect_timeout` (seconds), `host` (a directory holding the Unix socket), `options`
    /// (`-c name=value …`), `search_path`. Server-side `statement_timeout` and
    /// `idle_in_transaction_session_timeout` are set from `timeouts` unless `options` sets them,
    /// so work the store gave up on also stops on the server.
    ///
    /// Errors never contain the password.
    package init(
        dsn: String,
        poolSize: Int = 10,
        timeouts: PostgresTimeouts = PostgresTimeouts()
    ) throws(PostgresConfigurationError) {
        guard let components = URLComponents(string: dsn) else { throw .invalid("the DSN is not a valid URL") }
        guard let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql" else {
            throw .invalid("the DSN must start with postgres:// or postgresql://")
        }
        guard let user = components.user, !user.isEmpty else { throw .invalid("the DSN has no user name") }
        let password = components.password
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        database = database.removingPercentEncoding ?? database
        guard !database.contains("/") else { throw .invalid("the DSN path must be a single database name") }

        var host = components.host ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw .invalid("the DSN port is out of range") }

        var sslMode = "prefer"
        var rootCertificate: String?
        var socketDirectory: String?
        var startup: [(String, String)] = []
        var connectTimeout: Duration?
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode": sslMode = value
            case "sslrootcert": rootCertificate = value
            case "application_name": startup.append(("application_name", value))
            case "search_path": startup.append(("search_path", value))
            case "connect_timeout":
                guard let seconds = Int(value), seconds > 0 else {
                    throw .invalid("connect_timeout must be a positive number of seconds")
                }
                connectTimeout = .seconds(seconds)
            case "host":
                guard value.hasPrefix("/") else { throw .invalid("the host parameter must be a socket directory") }
                socketDirectory = value
            case "options":
                startup.append(contentsOf: try Self.parseOptions(value))
            default:
                throw .invalid("unsupported DSN parameter '\(item.name)'")
            }
        }

        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable":
            tls = .disable
        case "allow", "prefer":
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = .none
            tls = .prefer(config)
        case "require":
            // libpq: encrypt, but do not verify the certificate (unless a root certificate is given).
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = rootCertificate == nil ? .none : .noHostnameVerification
            if let rootCertificate { config.trustRoots = .file(rootCertificate) }
            tls = .require(config)
        case "verify-ca", "verify-full":
            var config = TLSConfiguration.makeClientConfiguration()
            config.certificateVerification = sslMode == "verify-ca" ? .noHostnameVerification : .fullVerification
            if let rootCertificate { config.trustRoots = .file(rootCertificate) }
            tls = .require(config)
        default:
            throw .invalid("unsupported sslmode '\(sslMode)'")
        }

        var client: PostgresClient.Configuration
        if let socketDirectory {
            client = PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)",
                username: user,
                password: password,
                database: database.isEmpty ? nil : database
            )
        } else {
            guard !host.isEmpty else { throw .invalid("the DSN has no host") }
            client = PostgresClient.Configuration(
                host: host,
                port: port,
                username: user,
                password: password,
                database: database.isEmpty ? nil : database,
                tls: tls
            )
        }
        if let connectTimeout { client.options.connectTimeout = connectTimeout }
        let names = Set(startup.map { $0.0 })
        if !names.contains("statement_timeout") {
            startup.append(("statement_timeout", "\(Self.milliseconds(timeouts.operation))"))
        }
        if !names.contains("idle_in_transaction_session_timeout") {
            startup.append(
                ("idle_in_transaction_session_timeout", "\(max(60_000, Self.milliseconds(timeouts.operation) * 4))")
            )
        }
        client.options.additionalStartupParameters = startup
        client.options.maximumConnections = max(1, poolSize)
        self.init(client: client, timeouts: timeouts)
    }

    /// libpq `options`: whitespace-separated `-c name=value` or `-cname=value` (`\ ` escapes a space).
    static func parseOptions(_ text: String) throws(PostgresConfigurationError) -> [(String, String)] {
        var words: [String] = []
        var word = ""
        var escaped = false
        for ch in text {
            if escaped {
                word.append(ch)
                escaped = false
                continue
            }
            if ch == "\\" {
                escaped = true
                continue
            }
            if ch == " " || ch == "\t" {
                if !word.isEmpty {
                    words.append(word)
                    word = ""
                }
                continue
            }
            word.append(ch)
        }
        if !word.isEmpty { words.append(word) }

        var result: [(String, String)] = []
        var index = 0
        while index < words.count {
            var setting: String
            if words[index] == "-c" {
                guard index + 1 < words.count else { throw .invalid("options: -c needs name=value") }
                setting = words[index + 1]
                index += 2
            } else if words[index].hasPrefix("-c") {
                setting = String(words[index].dropFirst(2))
                index += 1
            } else if words[index].hasPrefix("--") {
                setting = String(words[index].dropFirst(2))
                index += 1
            } else {
                throw .invalid("options: only -c name=value settings are supported")
            }
            guard let eq = setting.firstIndex(of: "="), eq != setting.startIndex else {
                throw .invalid("options: -c needs name=value")
            }
            let name = setting[..<eq].replacingOccurrences(of: "-", with: "_")
            setting = String(setting[setting.index(after: eq)...])
            result.append((name, setting))
        }
        return result
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000 + attoseconds / 1_000_000_000_000_000
    }
}

/// A DSN or configuration that cannot be used. The message never contains the password.
package enum PostgresConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)

    package var description: String {
        switch self {
        case .invalid(let reason): return "invalid PostgreSQL DSN: \(reason)"
        }
    }
}
