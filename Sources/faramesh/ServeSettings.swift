import ArgumentParser
import FarameshServer

/// Options of `faramesh serve`.
struct ServeOptions: ParsableArguments {
    @Option(help: "Bind address (env FARAMESH_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port (env FARAMESH_PORT, default 8000).")
    var port: Int?

    @Option(name: .customLong("policy"), help: "Policy YAML (env FARA_POLICY_FILE; default policies/default.yaml if present, else the built-in safe default).")
    var policyFile: String?

    @Option(name: .customLong("profile"), help: "Execution profile YAML (env FARAMESH_PROFILE_FILE).")
    var profileFile: String?

    @Option(name: .customLong("executors"), help: "Server-side executors YAML: tools the server runs itself on /start (env FARAMESH_EXECUTORS_FILE; default none: agents run actions and report /result). See docs/executors.md.")
    var executorsFile: String?

    @Flag(name: [.customLong("hot-reload"), .customLong("watch")], help: "Reload the policy when its file changes; a bad file keeps the last good policy (env FARAMESH_HOT_RELOAD=1).")
    var hotReload = false

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; TLS when given with --tls-key (env FARAMESH_TLS_CERT).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key (env FARAMESH_TLS_KEY).")
    var tlsKey: String?

    @Option(name: .customLong("approval-timeout"), help: "Default approval deadline, e.g. 30m, 1h (env FARAMESH_APPROVAL_TIMEOUT, default 1h).")
    var approvalTimeout: String?

    @Flag(name: .customLong("metrics-public"), help: "Serve /metrics without a token (env FARAMESH_METRICS_PUBLIC=1).")
    var metricsPublic = false

    @Flag(name: .customLong("enable-cors"), help: "Kept for old configurations: CORS needs --cors-origin; alone it is an error, since '*' would let any page read approval tokens (env FARAMESH_ENABLE_CORS=1).")
    var enableCORS = false

    @Option(name: .customLong("cors-origin"), help: "Browser origin allowed to call the API with CORS, e.g. https://ops.example.com (repeatable; env FARAMESH_CORS_ORIGINS, comma-separated; never in local mode).")
    var corsOrigins: [String] = []

    @Flag(name: .customLong("allow-unauthenticated-remote"), help: "Allow a non-loopback bind without any token configured (env FARAMESH_ALLOW_UNAUTHENTICATED_REMOTE=1). Dangerous.")
    var allowUnauthenticatedRemote = false

    @Flag(name: .customLong("require-tokens"), help: "Require bearer tokens even without FARAMESH_TOKEN (database tokens only; env FARAMESH_REQUIRE_TOKENS=1). Also turned on automatically when the database holds tokens.")
    var requireTokens = false

    @Flag(name: .customLong("no-migrate"), help: "Do not apply migrations at start (run `faramesh migrate` separately).")
    var noMigrate = false

    @Option(name: .customLong("shutdown-grace"), help: "Longest graceful shutdown on SIGTERM before exiting anyway, e.g. 30s (env FARAMESH_SHUTDOWN_GRACE, default 30s).")
    var shutdownGrace: String?

    @Option(name: .customLong("shutdown-drain-delay"), help: "On SIGTERM, keep serving with /ready false this long before draining, so load balancers stop sending traffic, e.g. 5s (env FARAMESH_SHUTDOWN_DRAIN_DELAY, default 0).")
    var shutdownDrainDelay: String?

    @Option(name: .customLong("sse-max-clients"), help: "Most open GET /v1/events streams per replica (env FARAMESH_SSE_MAX_CLIENTS, default 10000).")
    var sseMaxClients: Int?
}

/// Resolves `faramesh serve`'s configuration: flags > FARAMESH_* > FARA_* > .env > defaults.
enum ServeSettings {
    static let runtimeVersion = "0.4.0"

    static func resolve(_ o: ServeOptions, _ source: SettingsSource) throws -> ServerConfiguration {
        var c = ServerConfiguration()
        c.host = source.string(flag: o.host, ["FARAMESH_HOST", "FARA_API_HOST"]) ?? "127.0.0.1"
        c.port = try source.int(flag: o.port, ["FARAMESH_PORT", "FARA_API_PORT"]) ?? 8000
        guard (0...65535).contains(c.port) else { throw SettingsError.invalid("FARAMESH_PORT", String(c.port), "a port number") }
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
        if let d = try source.duration(flag: o.approvalTimeout, ["FARAMESH_APPROVAL_TIMEOUT"]) { c.defaultApprovalTimeout = d }
        if let d = try source.duration(flag: nil, ["FARAMESH_REQUEST_TIMEOUT"]) { c.requestTimeout = d }
        c.metricsPublic = try source.bool(flag: o.metricsPublic ? true : nil, ["FARAMESH_METRICS_PUBLIC"]) ?? false
        c.enableCORS = try source.bool(flag: o.enableCORS ? true : nil, ["FARAMESH_ENABLE_CORS"]) ?? false
        c.corsAllowedOrigins = o.corsOrigins.isEmpty
            ? source.string(flag: nil, ["FARAMESH_CORS_ORIGINS"]).map(ServerConfiguration.parseTokenList) ?? []
            : o.corsOrigins
        c.bootstrapTokens = source.string(flag: nil, ["FARAMESH_TOKEN", "FARA_AUTH_TOKEN"]).map(ServerConfiguration.parseTokenList) ?? []
        c.requireTokens = try source.bool(flag: o.requireTokens ? true : nil, ["FARAMESH_REQUIRE_TOKENS"]) ?? false
        c.migrateOnStart = !o.noMigrate
        if let d = try source.duration(flag: o.shutdownGrace, ["FARAMESH_SHUTDOWN_GRACE"]) { c.shutdownGracePeriod = d }
        if let d = try source.duration(flag: o.shutdownDrainDelay, ["FARAMESH_SHUTDOWN_DRAIN_DELAY"]) { c.shutdownDrainDelay = d }
        if c.shutdownDrainDelay >= c.shutdownGracePeriod {
            throw SettingsError.conflict("the shutdown drain delay must be shorter than the shutdown grace period")
        }
        if let n = try source.int(flag: o.sseMaxClients, ["FARAMESH_SSE_MAX_CLIENTS"]) {
            guard n >= 1 else { throw SettingsError.invalid("FARAMESH_SSE_MAX_CLIENTS", String(n), "a positive number") }
            c.eventStream.maxClients = n
        }
        if let d = try source.duration(flag: nil, ["FARAMESH_SSE_HEARTBEAT"]) { c.eventStream.heartbeat = d }
        if let n = try source.int(flag: nil, ["FARAMESH_SSE_CLIENT_BUFFER"]) {
            guard n >= 1 else { throw SettingsError.invalid("FARAMESH_SSE_CLIENT_BUFFER", String(n), "a positive number") }
            c.eventStream.clientBuffer = n
        }
        c.runtimeVersion = runtimeVersion

        let allowRemote = try source.bool(flag: o.allowUnauthenticatedRemote ? true : nil, ["FARAMESH_ALLOW_UNAUTHENTICATED_REMOTE"]) ?? false
        if c.authMode == .local && !isLoopback(c.host) && !allowRemote {
            throw SettingsError.conflict(
                "refusing to listen on \(c.host) without authentication: set FARAMESH_TOKEN (or create tokens with `faramesh token create`), bind to 127.0.0.1, or pass --allow-unauthenticated-remote")
        }
        return c
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
