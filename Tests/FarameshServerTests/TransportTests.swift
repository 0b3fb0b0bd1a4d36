import FarameshAPI
import FarameshStorePostgres
import FarameshTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import FarameshServer

/// TLS and CORS, both optional.
@Suite struct TransportTests {
    /// Self-signed P-256 certificate for `localhost` (valid until 2126), for tests only.
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBfjCCASWgAwIBAgIUBMVpG00Vi4bo170GpFx2LIzCMsUwCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyNTA5MDE0MVoYDzIxMjYxMTAx
        MDkwMTQxWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAATc47wmpgPpnTDCFLEscClADdJ8NiPDhyAhjTSkOK4lgYcgGFO1rtda
        ccKBO6e3698EoRjs/bUlZWU2PyUpgv8oo1MwUTAdBgNVHQ4EFgQUPlPDvvCoofRL
        U7oceRy+KDpFkSYwHwYDVR0jBBgwFoAUPlPDvvCoofRLU7oceRy+KDpFkSYwDwYD
        VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBf8FcaIGNJDbUzLQHwqf4c
        6xe4Txb2BEQKigOIs+xJfAIgY+Ro6q3ZfCrilaECvXOodVlWDrPJnwf1W8mfqILb
        zs4=
        -----END CERTIFICATE-----

        """
    static let privateKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQ6USm9dazZbJ1k5z
        KgVJrmAYJ6UxeoAXCcJjCwDPGFqhRANCAATc47wmpgPpnTDCFLEscClADdJ8NiPD
        hyAhjTSkOK4lgYcgGFO1rtdaccKBO6e3698EoRjs/bUlZWU2PyUpgv8o
        -----END PRIVATE KEY-----

        """

    /// A store that is never run: these routes do not touch it.
    static func idleStore() throws -> PostgresActionStore {
        PostgresActionStore(
            configuration: try PostgresConfiguration(dsn: "postgres://nobody@127.0.0.1:9/none?sslmode=disable"),
            logger: ServerHarness.logger
        )
    }

    @Test func servesHTTPSWhenCertificateAndKeyAreConfigured() async throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ServerHarness.configuration(directory: directory)
        let certificatePath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        try Self.certificate.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try Self.privateKey.write(toFile: keyPath, atomically: true, encoding: .utf8)
        configuration.tlsCertificatePath = certificatePath
        configuration.tlsKeyPath = keyPath
        let policy = try PolicyRuntime(configuration: configuration, logger: ServerHarness.logger)
        let app = try FarameshApplication.make(
            configuration: configuration,
            store: try Self.idleStore(),
            policy: policy,
            metrics: ServerMetrics(),
            logger: ServerHarness.logger
        )
        try await app.test(.ahc(.https)) { client in
            let health = try await client.executeRequest(uri: "/health", method: .get, headers: [:], body: nil)
            #expect(health.status == .ok)
            // HSTS only when this server terminates TLS itself (issue 10, finding 5).
            #expect(health.headers[.strictTransportSecurity] == "max-age=31536000")
            #expect(health.headers[.xContentTypeOptions] == "nosniff")
            let decide = try await client.executeRequest(
                uri: "/v1/gate/decide",
                method: .post,
                headers: [.authorization: "Bearer \(ServerHarness.adminToken)", .contentType: "application/json"],
                body: .init(string: RequestValidationTests.valid)
            )
            #expect(decide.status == .ok)
        }
    }

    @Test func badTLSConfigurationIsAStartupError() throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ServerHarness.configuration(directory: directory)
        let policy = try PolicyRuntime(configuration: configuration, logger: ServerHarness.logger)
        configuration.tlsCertificatePath = directory.appendingPathComponent("missing.pem").path
        configuration.tlsKeyPath = directory.appendingPathComponent("missing-key.pem").path
        let missingFiles = configuration
        #expect(throws: ServerStartupError.self) {
            _ = try FarameshApplication.make(
                configuration: missingFiles,
                store: try Self.idleStore(),
                policy: policy,
                metrics: ServerMetrics(),
                logger: ServerHarness.logger
            )
        }
        configuration.tlsKeyPath = nil
        let certificateOnly = configuration
        #expect(throws: ServerStartupError.self) {
            _ = try FarameshApplication.make(
                configuration: certificateOnly,
                store: try Self.idleStore(),
                policy: policy,
                metrics: ServerMetrics(),
                logger: ServerHarness.logger
            )
        }
    }

    @Test(arguments: TestBackend.all) func corsHeadersWhenEnabled(_ backend: TestBackend) async throws {
        try await ServerHarness.run(
            backend,
            configure: {
                $0.enableCORS = true
                $0.corsAllowedOrigins = ["https://ui.example"]
            }
        ) { h in
            let origin: HTTPFields = [.origin: "https://ui.example", .accessControlRequestMethod: "POST"]
            let preflight = try await h.send(.options, "/v1/actions", headers: origin)
            #expect(preflight.status == .noContent)
            // The named origin, never "*" (WebExposureTests covers the other origins).
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://ui.example")
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Idempotency-Key") == true)
            #expect(preflight.headers[.accessControlAllowHeaders]?.contains("Authorization") == true)
            let list = try await h.send(
                .get,
                "/v1/actions",
                token: ServerHarness.agentToken,
                headers: [.origin: "https://ui.example"]
            )
            #expect(list.status == .ok)
            #expect(list.headers[.accessControlAllowOrigin] == "https://ui.example")
            #expect(list.headers[.accessControlExposeHeaders]?.contains("X-Next-Cursor") == true)
        }
        try await ServerHarness.run(backend) { h in
            let list = try await h.send(
                .get,
                "/v1/actions",
                token: ServerHarness.agentToken,
                headers: [.origin: "https://ui.example"]
            )
            #expect(list.headers[.accessControlAllowOrigin] == nil, "CORS is off by default")
        }
    }
}
