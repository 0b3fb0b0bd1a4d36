import FarameshCore
import FarameshStore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle
import UnixSignals

/// Why the server could not be built (safe to print).
package struct ServerStartupError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { self.message }
}

/// Wires the HTTP service together. `faramesh serve` calls `run`; tests call `make`.
package enum FarameshApplication {
    /// Builds the Hummingbird application (routes, middleware, TLS, migrations before start).
    /// - Throws: `ServerStartupError` when the TLS files cannot be loaded or a bootstrap token
    ///   could never be presented in a header.
    package static func make(
        configuration: GatekeeperConfiguration,
        store: some ActionStore,
        policy: PolicyRuntime,
        metrics: ServerMetrics,
        readiness: Readiness = Readiness(),
        eventHub: EventHub? = nil,
        ledgerKey: LedgerPublicKey? = nil,
        executors: ExecutorService? = nil,
        clock: any WallClock = SystemClock(),
        logger: Logger
    ) throws -> some ApplicationProtocol {
        for token in configuration.bootstrapTokens
        where !token.isEmpty && Authenticator.bearerToken("Bearer " + token) != token {
            throw ServerStartupError(
                "A bootstrap token (FARAMESH_TOKEN) must be visible ASCII without spaces or commas"
            )
        }
        if configuration.enableCORS && configuration.corsAllowedOrigins.isEmpty {
            throw ServerStartupError(
                "--enable-cors no longer allows every origin ('*' would let any web page read approval tokens): name the allowed origins with --cors-origin https://host[:port] (or FARAMESH_CORS_ORIGINS)"
            )
        }
        for origin in configuration.corsAllowedOrigins where !CORSHeadersMiddleware.isValidOrigin(origin) {
            throw ServerStartupError(
                "--cors-origin '\(origin)' is not an origin: use scheme://host[:port] (http or https, no path, no '*')"
            )
        }
        let authenticator = Authenticator(configuration: configuration, store: store)
        let router = self.buildRouter(
            configuration: configuration,
            store: store,
            policy: policy,
            metrics: metrics,
            readiness: readiness,
            authenticator: authenticator,
            eventHub: eventHub,
            ledgerKey: ledgerKey,
            executors: executors,
            clock: clock
        )
        var app = Application(
            responder: HeadAsGetResponder(inner: router.buildResponder()),
            server: try self.serverBuilder(configuration, metrics: metrics),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            logger: logger
        )
        app.beforeServerStarts {
            if configuration.migrateOnStart {
                try await self.waitForDatabase(store, logger: logger)
                try await store.migrate()
                readiness.markMigrationsCurrent()
            }
            // Tokens created with `faramesh token create` mean the operator wants authentication,
            // even when no bootstrap token is configured: never stay open in that case.
            if authenticator.mode == .local,
                (try? await store.tokens().contains(where: { $0.revokedAt == nil })) ?? true
            {
                authenticator.requireTokens()
                logger.notice(
                    "API tokens exist (or could not be checked): authentication is required, local mode is off"
                )
            }
        }
        return app
    }

    /// Runs the whole service until SIGTERM/SIGINT. Service order (start order; shutdown is the
    /// reverse): the store's services, the expiry sweeper, the executors (when configured; stopped
    /// after the HTTP server, so no run starts after they were told to stop), the policy watcher (hot reload only),
    /// the event hub, the HTTP server, and last the readiness flipper, so `/ready` turns false
    /// before draining. Shutdown takes at most `shutdownGracePeriod`.
    /// - Throws: `PolicyRuntimeError` / `ServerStartupError` for bad configuration.
    package static func run(
        configuration: GatekeeperConfiguration,
        store: some ActionStore,
        storeServices: [any Service],
        metrics: ServerMetrics = ServerMetrics(),
        logger: Logger
    ) async throws {
        let group: ServiceGroup
        do {
            group = try self.serviceGroup(
                configuration: configuration,
                store: store,
                storeServices: storeServices,
                metrics: metrics,
                logger: logger
            )
        } catch {
            // A bad policy, executors or key file: close the store (SQLite must) before reporting it.
            try? await store.shutdown()
            throw error
        }
        do {
            try await group.run()
        } catch {
            try? await store.shutdown()
            throw error
        }
        try await store.shutdown()
    }

    /// Loads the policy, executors and ledger key, builds the app and orders the services.
    private static func serviceGroup(
        configuration: GatekeeperConfiguration,
        store: some ActionStore,
        storeServices: [any Service],
        metrics: ServerMetrics,
        logger: Logger
    ) throws -> ServiceGroup {
        let policy = try PolicyRuntime(configuration: configuration, metrics: metrics, logger: logger)
        let readiness = Readiness()
        // Live updates: every replica follows the store's commit doorbell and fans out to its SSE clients.
        let eventHub = (store as? any EventFeed).map {
            EventHub(
                feed: $0,
                configuration: configuration.eventStream,
                metrics: metrics,
                readiness: readiness,
                waitForMigrations: configuration.migrateOnStart,
                logger: logger
            )
        }
        let ledgerKey =
            configuration.ledger.sealerEnabled
            ? try LedgerKeyLoader.load(configuration.ledger.keySource, logger: logger) : nil
        let executors = try configuration.executors.file.map { file in
            let catalog = try ExecutorLoader.load(file: file)
            logger.notice(
                "Server-side executors enabled",
                metadata: [
                    "file": "\(file)", "executors": "\(catalog.executors.map(\.name).joined(separator: ", "))",
                ]
            )
            return ExecutorService(
                catalog: catalog,
                store: store,
                metrics: metrics,
                configuration: configuration.executors,
                callTimeout: configuration.requestTimeout,
                logger: logger
            )
        }
        let app = try self.make(
            configuration: configuration,
            store: store,
            policy: policy,
            metrics: metrics,
            readiness: readiness,
            eventHub: eventHub,
            ledgerKey: ledgerKey?.publicKey,
            executors: executors,
            logger: logger
        )
        var services: [any Service] = storeServices
        if let ledgerKey {
            // Right after the store: stopped after everything that writes events, so its final
            // checkpoint covers them all.
            services.append(
                LedgerSealer(
                    store: store,
                    key: ledgerKey,
                    configuration: configuration.ledger,
                    metrics: metrics,
                    readiness: configuration.migrateOnStart ? readiness : nil,
                    logger: logger
                )
            )
        }
        services.append(
            ApprovalExpirySweeper(
                store: store,
                interval: configuration.expirySweepInterval,
                callTimeout: configuration.requestTimeout,
                metrics: metrics,
                logger: logger
            )
        )
        if let executors {
            services.append(executors)
        }
        if configuration.hotReload {
            services.append(PolicyWatcher(runtime: policy))
        }
        if let eventHub {
            // Before the server: stopped only after the server has drained and closed its streams.
            services.append(eventHub)
        }
        services.append(app)
        services.append(
            ReadinessFlipper(readiness: readiness, drainDelay: configuration.shutdownDrainDelay, logger: logger)
        )
        if configuration.authMode == .local {
            logger.warning("No token configured: open local mode, every caller is the admin identity 'local'")
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        let grace = max(configuration.shutdownGracePeriod, .milliseconds(200))
        let cancellation = min(.seconds(1), grace / 2)
        groupConfiguration.maximumGracefulShutdownDuration = grace - cancellation
        groupConfiguration.maximumCancellationDuration = cancellation
        return ServiceGroup(configuration: groupConfiguration)
    }

    static func buildRouter(
        configuration: GatekeeperConfiguration,
        store: any ActionStore,
        policy: PolicyRuntime,
        metrics: ServerMetrics,
        readiness: Readiness,
        authenticator: Authenticator,
        eventHub: EventHub? = nil,
        ledgerKey: LedgerPublicKey? = nil,
        executors: ExecutorService? = nil,
        clock: any WallClock = SystemClock()
    ) -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        // Outermost first: transport headers on every answer, metrics see the final status,
        // errors are JSON everywhere. (HEAD is routed as GET around the router: `HeadAsGetResponder`.)
        router.add(middleware: TransportHeadersMiddleware(servesTLS: configuration.tlsCertificatePath != nil))
        router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
        if !configuration.corsAllowedOrigins.isEmpty {
            router.add(
                middleware: CORSHeadersMiddleware(
                    allowedOrigins: configuration.corsAllowedOrigins,
                    authenticator: authenticator
                )
            )
        }
        router.add(middleware: ErrorMiddleware(metrics: metrics))
        router.add(middleware: LoopbackHostMiddleware(authenticator: authenticator))

        let auth = AuthMiddleware(authenticator: authenticator)
        let system = SystemController(
            store: store,
            policy: policy,
            metrics: metrics,
            readiness: readiness,
            readinessTimeout: configuration.readinessTimeout
        )
        system.addPublicRoutes(to: router)
        WebUIController().addRoutes(to: router)
        if configuration.metricsPublic {
            system.addMetricsRoute(to: router)
        } else {
            // Admin only: the series name tools and agents' activity.
            system.addMetricsRoute(
                to: router.group("metrics").add(middleware: auth).add(middleware: RequireAdminMiddleware())
            )
        }

        let v1 = router.group("v1").add(middleware: auth).add(middleware: JSONContentTypeMiddleware())
        ActionController(
            store: store,
            policy: policy,
            metrics: metrics,
            defaultApprovalTimeout: configuration.defaultApprovalTimeout,
            requestTimeout: configuration.requestTimeout,
            clock: clock,
            executors: executors
        )
        .addRoutes(to: v1.group("actions"))
        GateController(policy: policy, metrics: metrics).addRoutes(to: v1.group("gate"))
        PolicyController(policy: policy).addRoutes(to: v1.group("policy"))
        AuthController().addRoutes(to: v1.group("auth"))
        if let eventHub {
            EventStreamController(hub: eventHub).addRoutes(to: v1.group("events"))
        }
        LedgerController(store: store, signingKey: ledgerKey).addRoutes(to: v1.group("ledger"))
        return router
    }

    /// A replica started while the database is down waits for it (pinging with backoff) instead
    /// of exiting; it starts serving once the database answers and the migrations are applied.
    /// Gives up only on graceful shutdown.
    static func waitForDatabase(_ store: some ActionStore, logger: Logger) async throws {
        var attempt = 0
        while true {
            do {
                try await store.ping()
                if attempt > 0 { logger.info("database reachable; continuing start-up") }
                return
            } catch StoreError.unavailable(let reason) {
                attempt += 1
                if attempt == 1 || attempt % 10 == 0 {
                    logger.warning("database unreachable at start-up; retrying", metadata: ["reason": "\(reason)"])
                }
                if Task.isShuttingDownGracefully { throw StoreError.unavailable(reason) }
                try await Task.sleep(for: .milliseconds(min(250 * attempt, 2_000)))
            }
        }
    }

    /// HTTP/1 (over TLS when configured) with the connection guard: deadlines for idle
    /// connections, heads and bodies, and the connection cap.
    private static func serverBuilder(
        _ configuration: GatekeeperConfiguration,
        metrics: ServerMetrics
    ) throws -> HTTPServerBuilder {
        let limits = configuration.connections
        let registry = ConnectionRegistry(maxConnections: limits.maxConnections, metrics: metrics)
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuardHandler(limits: limits, registry: registry)],
            idleTimeout: nil
        )
        switch (configuration.tlsCertificatePath, configuration.tlsKeyPath) {
        case (nil, nil):
            return HTTPServerBuilder { responder in
                GuardedHTTPChannel(base: HTTP1Channel(responder: responder, configuration: http1))
            }
        case (let certificatePath?, let keyPath?):
            let tls: TLSConfiguration
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
                let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
                tls = TLSPolicy.serverConfiguration(certificateChain: chain, privateKey: key)
            } catch {
                throw ServerStartupError("Cannot load the TLS certificate or key (check tlsCertificatePath/tlsKeyPath)")
            }
            // Fail at start, not on the first connection, when the context cannot be built.
            do {
                _ = try NIOSSLContext(configuration: tls)
            } catch {
                throw ServerStartupError("The TLS certificate and key cannot be used together (\(error))")
            }
            return HTTPServerBuilder { responder in
                try TLSChannel(
                    GuardedHTTPChannel(base: HTTP1Channel(responder: responder, configuration: http1)),
                    tlsConfiguration: tls
                )
            }
        default:
            throw ServerStartupError("TLS needs both a certificate and a key path")
        }
    }
}
