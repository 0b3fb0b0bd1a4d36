import ArgumentParser
import FarameshCore
import FarameshServer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Options of `faramesh serve`.
struct ServeOptions: ParsableArguments {
    @Option(help: "Bind address (env FARAMESH_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port (env FARAMESH_PORT, default 8000).")
    var port: Int?

    @Option(
        name: .customLong("policy"),
        help:
            "Policy YAML (env FARA_POLICY_FILE; default policies/default.yaml if present, else the built-in safe default)."
    )
    var policyFile: String?

    @Option(name: .customLong("profile"), help: "Execution profile YAML (env FARAMESH_PROFILE_FILE).")
    var profileFile: String?

    @Option(
        name: .customLong("executors"),
        help:
            "Server-side executors YAML: tools the server runs itself on /start (env FARAMESH_EXECUTORS_FILE; default none: agents run actions and report /result). See docs/executors.md."
    )
    var executorsFile: String?

    @Flag(
        name: [.customLong("hot-reload"), .customLong("watch")],
        help:
            "Reload the policy when its file changes; a bad file keeps the last good policy (env FARAMESH_HOT_RELOAD=1)."
    )
    var hotReload = false

    @Option(
        name: .customLong("tls-cert"),
        help: "PEM certificate chain; TLS when given with --tls-key (env FARAMESH_TLS_CERT)."
    )
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key (env FARAMESH_TLS_KEY).")
    var tlsKey: String?

    @Option(
        name: .customLong("approval-timeout"),
        help: "Default approval deadline, e.g. 30m, 1h (env FARAMESH_APPROVAL_TIMEOUT, default 1h)."
    )
    var approvalTimeout: String?

    @Flag(name: .customLong("metrics-public"), help: "Serve /metrics without a token (env FARAMESH_METRICS_PUBLIC=1).")
    var metricsPublic = false

    @Flag(
        name: .customLong("enable-cors"),
        help:
            "Kept for old configurations: CORS needs --cors-origin; alone it is an error, since '*' would let any page read approval tokens (env FARAMESH_ENABLE_CORS=1)."
    )
    var enableCORS = false

    @Option(
        name: .customLong("cors-origin"),
        help:
            "Browser origin allowed to call the API with CORS, e.g. https://ops.example.com (repeatable; env FARAMESH_CORS_ORIGINS, comma-separated; never in local mode)."
    )
    var corsOrigins: [String] = []

    @Flag(
        name: .customLong("allow-unauthenticated-remote"),
        help:
            "Allow a non-loopback bind without any token configured (env FARAMESH_ALLOW_UNAUTHENTICATED_REMOTE=1). Dangerous."
    )
    var allowUnauthenticatedRemote = false

    @Flag(
        name: .customLong("require-tokens"),
        help:
            "Require bearer tokens even without FARAMESH_TOKEN (database tokens only; env FARAMESH_REQUIRE_TOKENS=1). Also turned on automatically when the database holds tokens."
    )
    var requireTokens = false

    @Flag(
        name: .customLong("no-migrate"),
        help: "Do not apply migrations at start (run `faramesh migrate` separately)."
    )
    var noMigrate = false

    @Option(
        name: .customLong("shutdown-grace"),
        help:
            "Longest graceful shutdown on SIGTERM before exiting anyway, e.g. 30s (env FARAMESH_SHUTDOWN_GRACE, default 30s)."
    )
    var shutdownGrace: String?

    @Option(
        name: .customLong("shutdown-drain-delay"),
        help:
            "On SIGTERM, keep serving with /ready false this long before draining, so load balancers stop sending traffic, e.g. 5s (env FARAMESH_SHUTDOWN_DRAIN_DELAY, default 0)."
    )
    var shutdownDrainDelay: String?

    @Option(
        name: .customLong("sse-max-clients"),
        help:
            "Most open GET /v1/events streams per replica (env FARAMESH_SSE_MAX_CLIENTS, default 10000, fitted under the file descriptor limit)."
    )
    var sseMaxClients: Int?

    @Option(
        name: .customLong("max-connections"),
        help:
            "Most open HTTP connections besides event streams; at the cap the oldest idle or slow connection is shed (env FARAMESH_MAX_CONNECTIONS, default 4096, fitted under the file descriptor limit)."
    )
    var maxConnections: Int?

    @Option(
        name: .customLong("idle-timeout"),
        help: "Close a kept-alive connection idle this long, e.g. 60s (env FARAMESH_IDLE_TIMEOUT, default 60s)."
    )
    var idleTimeout: String?

    @Option(
        name: .customLong("header-timeout"),
        help:
            "A request head (and the first request of a connection) must arrive within this, e.g. 10s (env FARAMESH_HEADER_TIMEOUT, default 10s)."
    )
    var headerTimeout: String?

    @Option(
        name: .customLong("body-timeout"),
        help:
            "A request body must arrive within this after its head, else 408, e.g. 30s (env FARAMESH_BODY_TIMEOUT, default 30s)."
    )
    var bodyTimeout: String?
}

/// Resolves `faramesh serve`'s configuration: flags > FARAMESH_* > FARA_* > .env > defaults.
enum ServeSettings {
    /// The product version (`FarameshVersion.current`): `--version`, user agents, `runtime_version`.
    static let runtimeVersion = FarameshVersion.current

    static func resolve(_ o: ServeOptions, _ source: SettingsSource) throws -> GatekeeperConfiguration {
        var c = GatekeeperConfiguration()
        c.host = source.string(flag: o.host, ["FARAMESH_HOST", "FARA_API_HOST"]) ?? "127.0.0.1"
        c.port = try source.int(flag: o.port, ["FARAMESH_PORT", "FARA_API_PORT"]) ?? 8000
        guard (0...65535).contains(c.port) else {
            throw SettingsError.invalid("FARAMESH_PORT", String(c.port), "a port number")
        }
        c.policyFile = source.string(flag: o.policyFile, ["FARAMESH_POLICY_FILE", "FARA_POLICY_FILE"])
        c.policyVersion = source.string(flag: nil, ["FARAMESH_POLICY_VERSION"])
        c.profileFile = source.string(flag: o.profileFile, ["FARAMESH_PROFILE_FILE"])
        c.executors.file = source.string(flag: o.executorsFile, ["FARAMESH_EXECUTORS_FILE"])
        c.hotReload = try source.bool(flag: o.hotReload ? true : nil, ["FARAMESH_HOT_RELOAD"]) ?? false
        c.tlsCertificatePath = source.string(flag: o.tlsCertificate, ["FARAMESH_TLS_CERT"])
        c.tlsKeyPath = source.string(flag: o.tlsKey, ["FARAMESH_TLS_KEY"])
        if (c.tlsCertificatePath == nil) != (c.tlsKeyPath == nil) {
            throw SettingsError.conflict("TLS needs both --tls-cert and --tls-key")
        }
        if let d = try source.duration(flag: o.approvalTimeout, ["FARAMESH_APPROVAL_TIMEOUT"]) {
            c.defaultApprovalTimeout = d
        }
        if let d = try source.duration(flag: nil, ["FARAMESH_REQUEST_TIMEOUT"]) { c.requestTimeout = d }
        c.metricsPublic = try source.bool(flag: o.metricsPublic ? true : nil, ["FARAMESH_METRICS_PUBLIC"]) ?? false
        c.enableCORS = try source.bool(flag: o.enableCORS ? true : nil, ["FARAMESH_ENABLE_CORS"]) ?? false
        c.corsAllowedOrigins =
            o.corsOrigins.isEmpty
            ? source.string(flag: nil, ["FARAMESH_CORS_ORIGINS"]).map(GatekeeperConfiguration.parseTokenList) ?? []
            : o.corsOrigins
        c.bootstrapTokens =
            source.string(flag: nil, ["FARAMESH_TOKEN", "FARA_AUTH_TOKEN"]).map(GatekeeperConfiguration.parseTokenList)
            ?? []
        c.requireTokens = try source.bool(flag: o.requireTokens ? true : nil, ["FARAMESH_REQUIRE_TOKENS"]) ?? false
        c.migrateOnStart = !o.noMigrate
        if let d = try source.duration(flag: o.shutdownGrace, ["FARAMESH_SHUTDOWN_GRACE"]) { c.shutdownGracePeriod = d }
        if let d = try source.duration(flag: o.shutdownDrainDelay, ["FARAMESH_SHUTDOWN_DRAIN_DELAY"]) {
            c.shutdownDrainDelay = d
        }
        if c.shutdownDrainDelay >= c.shutdownGracePeriod {
            throw SettingsError.conflict("the shutdown drain delay must be shorter than the shutdown grace period")
        }
        let sseMaxClients = try source.int(flag: o.sseMaxClients, ["FARAMESH_SSE_MAX_CLIENTS"])
        if let n = sseMaxClients, n < 1 {
            throw SettingsError.invalid("FARAMESH_SSE_MAX_CLIENTS", String(n), "a positive number")
        }
        let maxConnections = try source.int(flag: o.maxConnections, ["FARAMESH_MAX_CONNECTIONS"])
        if let n = maxConnections, n < 1 {
            throw SettingsError.invalid("FARAMESH_MAX_CONNECTIONS", String(n), "a positive number")
        }
        do {
            let caps = try ConnectionLimits.caps(
                descriptorLimit: Self.raiseDescriptorLimit(),
                maxConnections: maxConnections,
                maxEventStreams: sseMaxClients
            )
            c.connections.maxConnections = caps.maxConnections
            c.eventStream.maxClients = caps.maxEventStreams
        } catch {
            throw SettingsError.conflict(error.description)
        }
        for (flag, names, keyPath) in [
            (o.idleTimeout, ["FARAMESH_IDLE_TIMEOUT"], \ConnectionLimits.idleTimeout),
            (o.headerTimeout, ["FARAMESH_HEADER_TIMEOUT"], \ConnectionLimits.headerTimeout),
            (o.bodyTimeout, ["FARAMESH_BODY_TIMEOUT"], \ConnectionLimits.bodyTimeout),
        ] {
            guard let d = try source.duration(flag: flag, names) else { continue }
            guard d > .zero else { throw SettingsError.invalid(names[0], String(describing: d), "a positive duration") }
            c.connections[keyPath: keyPath] = d
        }
        if let d = try source.duration(flag: nil, ["FARAMESH_SSE_HEARTBEAT"]) { c.eventStream.heartbeat = d }
        if let n = try source.int(flag: nil, ["FARAMESH_SSE_CLIENT_BUFFER"]) {
            guard n >= 1 else {
                throw SettingsError.invalid("FARAMESH_SSE_CLIENT_BUFFER", String(n), "a positive number")
            }
            c.eventStream.clientBuffer = n
        }
        c.runtimeVersion = runtimeVersion

        let allowRemote =
            try source.bool(flag: o.allowUnauthenticatedRemote ? true : nil, ["FARAMESH_ALLOW_UNAUTHENTICATED_REMOTE"])
            ?? false
        if c.authMode == .local && !isLoopback(c.host) && !allowRemote {
            throw SettingsError.conflict(
                "refusing to listen on \(c.host) without authentication: set FARAMESH_TOKEN (or create tokens with `faramesh token create`), bind to 127.0.0.1, or pass --allow-unauthenticated-remote"
            )
        }
        return c
    }

    /// True when every address `host` resolves to is a loopback address (127.0.0.0/8, ::1,
    /// IPv4-mapped 127/8). A name that does not resolve, or resolves to anything else even once
    /// (`127.0.0.1.example.com`, a hosts entry), is not loopback: the text alone proves nothing.
    static func isLoopback(_ host: String) -> Bool {
        var name = host
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        guard !name.isEmpty else { return false }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &result) == 0, let first = result else { return false }
        defer { freeaddrinfo(first) }
        var found = false
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let current = node {
            guard let address = current.pointee.ai_addr else { return false }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr.s_addr }
                guard UInt32(bigEndian: ipv4) >> 24 == 127 else { return false }
            case AF_INET6:
                let bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
                let isLoopback = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
                let isMapped =
                    bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
                guard isLoopback || isMapped else { return false }
            default:
                return false
            }
            found = true
            node = current.pointee.ai_next
        }
        return found
    }

    /// Raises the soft RLIMIT_NOFILE to the hard limit (as most servers do) and returns it, so
    /// the connection caps can be fitted under it.
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur > rlim_t(Int32.max) ? Int(Int32.max) : Int(limit.rlim_cur)
    }
}
