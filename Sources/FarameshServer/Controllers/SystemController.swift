import FarameshAPI
import FarameshStore
import Hummingbird
import NIOCore

/// Probes, metrics and the OpenAPI document.
struct SystemController: Sendable {
    typealias Context = AppRequestContext

    let store: any ActionStore
    let policy: PolicyRuntime
    let metrics: ServerMetrics
    let readiness: Readiness
    let readinessTimeout: Duration

    /// `/health` and `/ready` are always public; so is the API description.
    func addPublicRoutes(to router: Router<Context>) {
        router.get("health", use: self.health)
        router.get("ready", use: self.ready)
        router.get("openapi.yaml", use: self.openAPI)
    }

    func addMetricsRoute(to group: RouterGroup<Context>) {
        group.get(use: self.metricsText)
    }

    func addMetricsRoute(to router: Router<Context>) {
        router.get("metrics", use: self.metricsText)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        JSONResponse.make(HealthResponse())
    }

    /// DB reachable (ping, bounded), migrations current (cached after the first success),
    /// policy loaded, and not shutting down.
    @Sendable func ready(_ request: Request, context: Context) async throws -> Response {
        if self.readiness.isShuttingDown {
            let answer = ReadinessResponse(
                database: false,
                migrations: self.readiness.migrationsKnownCurrent,
                policy: self.policy.isLoaded,
                shuttingDown: true,
                events: self.readiness.eventFeedReady
            )
            return JSONResponse.make(answer, status: .serviceUnavailable)
        }
        let store = self.store
        let limit = self.readinessTimeout
        async let database: Bool = {
            do {
                try await Deadline.run(limit) { try await store.ping() }
                return true
            } catch {
                return false
            }
        }()
        async let migrations: Bool = {
            if self.readiness.migrationsKnownCurrent { return true }
            do {
                let current = try await Deadline.run(limit) { try await store.migrationsCurrent() }
                if current { self.readiness.markMigrationsCurrent() }
                return current
            } catch {
                return false
            }
        }()
        let answer = ReadinessResponse(
            database: await database,
            migrations: await migrations,
            policy: self.policy.isLoaded,
            shuttingDown: self.readiness.isShuttingDown,
            events: self.readiness.eventFeedReady
        )
        return JSONResponse.make(answer, status: answer.ready ? .ok : .serviceUnavailable)
    }

    @Sendable func metricsText(_ request: Request, context: Context) async throws -> Response {
        self.metrics.recordDatabaseUsage(self.store.databaseUsage)
        let bytes = self.metrics.exposition()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .contentLength: String(bytes.count)],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    @Sendable func openAPI(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "application/yaml; charset=utf-8", .contentLength: String(OpenAPIDocument.bytes.count),
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: OpenAPIDocument.bytes))
        )
    }
}
