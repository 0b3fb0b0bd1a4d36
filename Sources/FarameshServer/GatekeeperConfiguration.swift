import FarameshCore
import Foundation

/// Everything the HTTP service needs to know, filled in by the `faramesh serve` command from
/// flags > `FARAMESH_*` > legacy `FARA_*` > `.env` > these defaults. This module never reads the
/// environment itself.
package struct GatekeeperConfiguration: Sendable {
    /// How callers are authenticated.
    package enum AuthMode: String, Sendable, Hashable {
        /// Bearer tokens required (bootstrap admin tokens and tokens stored in the database).
        case tokens
        /// No token configured: every caller is the admin identity "local". The CLI allows this
        /// only on a loopback bind unless explicitly told otherwise.
        case local
    }

    package var host: String
    package var port: Int
    /// PEM certificate chain; TLS is on when both paths are set.
    package var tlsCertificatePath: String?
    /// PEM private key.
    package var tlsKeyPath: String?

    /// Policy YAML. nil: `policies/default.yaml` if it exists, else the built-in safe default.
    /// A configured file that is missing or does not compile is a start-up error.
    package var policyFile: String?
    /// Overrides the policy version recorded on decisions (`FARAMESH_POLICY_VERSION`).
    package var policyVersion: String?
    /// Execution profile YAML; nil: no profile.
    package var profileFile: String?
    /// Watch the policy/profile files and reload on change (keeping the last good policy on failure).
    package var hotReload: Bool
    /// How often the watcher looks at the files.
    package var policyPollInterval: Duration

    /// `--enable-cors`: kept for configurations written for the original. It no longer sends
    /// `Access-Control-Allow-Origin: *` (responses carry approval tokens): CORS is on only for
    /// `corsAllowedOrigins`, and `enableCORS` without any origin is a start-up error.
    package var enableCORS: Bool
    /// Browser origins (`https://host[:port]`) allowed to call the API with CORS
    /// (`--cors-origin`, repeatable; `FARAMESH_CORS_ORIGINS`, comma-separated). Never in local mode.
    package var corsAllowedOrigins: [String] = []
    /// Bootstrap admin token(s), accepted as the identity "bootstrap-admin" (compared by SHA-256
    /// hash in constant time). Empty: local mode, see `authMode`.
    package var bootstrapTokens: [String]
    /// Serve `/metrics` without a token.
    package var metricsPublic: Bool

    /// Approval deadline when the deciding rule sets no `approval_timeout`.
    package var defaultApprovalTimeout: Duration
    /// How often the sweeper expires overdue approvals.
    package var expirySweepInterval: Duration
    /// Upper bound on any request: a request still running after this answers 503.
    package var requestTimeout: Duration
    /// Upper bound on each database call made by the readiness probe.
    package var readinessTimeout: Duration
    /// Run `store.migrate()` before the server accepts connections.
    package var migrateOnStart: Bool
    /// On SIGTERM, how long `/ready` reports false before the HTTP server starts draining (lets
    /// load balancers stop sending traffic first). Zero: drain at once.
    package var shutdownDrainDelay: Duration
    /// How long a database token lookup is cached (revocation takes effect within this time).
    package var tokenCacheTTL: Duration

    /// Recorded as `runtime_version` on every decision.
    package var runtimeVersion: String

    package init(
        host: String = "127.0.0.1",
        port: Int = 8000,
        tlsCertificatePath: String? = nil,
        tlsKeyPath: String? = nil,
        policyFile: String? = nil,
        policyVersion: String? = nil,
        profileFile: String? = nil,
        hotReload: Bool = false,
        policyPollInterval: Duration = .seconds(1),
        enableCORS: Bool = false,
        bootstrapTokens: [String] = [],
        metricsPublic: Bool = false,
        defaultApprovalTimeout: Duration = .seconds(3600),
        expirySweepInterval: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(10),
        readinessTimeout: Duration = .seconds(1),
        migrateOnStart: Bool = true,
        shutdownDrainDelay: Duration = .zero,
        tokenCacheTTL: Duration = .seconds(5),
        runtimeVersion: String = FarameshVersion.current
    ) {
        self.host = host
        self.port = port
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.policyFile = policyFile
        self.policyVersion = policyVersion
        self.profileFile = profileFile
        self.hotReload = hotReload
        self.policyPollInterval = policyPollInterval
        self.enableCORS = enableCORS
        self.bootstrapTokens = bootstrapTokens
        self.metricsPublic = metricsPublic
        self.defaultApprovalTimeout = defaultApprovalTimeout
        self.expirySweepInterval = expirySweepInterval
        self.requestTimeout = requestTimeout
        self.readinessTimeout = readinessTimeout
        self.migrateOnStart = migrateOnStart
        self.shutdownDrainDelay = shutdownDrainDelay
        self.tokenCacheTTL = tokenCacheTTL
        self.runtimeVersion = runtimeVersion
    }

    /// SIGTERM/SIGINT: how long graceful shutdown (readiness off, drain, streams closed) may take
    /// in total before the process stops anyway; the last second is left for cancellation.
    package var shutdownGracePeriod: Duration = .seconds(30)

    /// Connection deadlines (idle, head, body) and the cap on connections that are not event
    /// streams. `faramesh serve` fits the cap and `eventStream.maxClients` under RLIMIT_NOFILE.
    package var connections = ConnectionLimits()

    /// `GET /v1/events`: heartbeat, per-replica client limit, per-client buffer.
    package var eventStream = EventHubConfiguration()
    /// The audit ledger's sealer and signing key.
    package var ledger = LedgerConfiguration()
    /// Opt-in server-side executors (none unless a file is configured).
    package var executors = ExecutorsConfiguration()

    /// In local mode, how often a request re-reads the token table: creating a database token
    /// while the server runs ends local mode within this time (a request with that token ends
    /// it at once).
    package var localModeRecheckInterval: Duration = .seconds(1)

    /// Require bearer tokens even without a bootstrap token (only database tokens are accepted).
    /// The server also turns this on by itself at start when the database holds active tokens.
    package var requireTokens: Bool = false

    /// `.local` when no bootstrap token is configured (blank entries do not count) and tokens are
    /// not required.
    package var authMode: AuthMode {
        self.requireTokens || self.bootstrapTokens.contains(where: { !$0.isEmpty }) ? .tokens : .local
    }

    /// Splits a comma-separated token list (`FARAMESH_TOKEN=a,b`), dropping blanks and spaces.
    package static func parseTokenList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
