import ArgumentParser
import FarameshClient
import FarameshCore
import FarameshServer
import FarameshStore
import Foundation
import Logging

/// `faramesh doctor`: checks the environment and prints each check with OK, WARN or FAIL.
/// Exits 1 when any check fails (warnings do not fail).
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the toolchain, configuration, database, policy, token, server and web UI."
    )

    @OptionGroup var global: ClientOptions
    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("policy"), help: "Policy YAML to check (env FARA_POLICY_FILE; default as `serve`).")
    var policyFile: String?

    @Option(name: .customLong("profile"), help: "Execution profile YAML to check (env FARAMESH_PROFILE_FILE).")
    var profileFile: String?

    struct Check: Sendable {
        enum Level: String, Sendable {
            case ok = "OK"
            case warn = "WARN"
            case fail = "FAIL"
        }
        var name: String
        var level: Level
        var message: String

        static func ok(_ name: String, _ message: String) -> Check { Check(name: name, level: .ok, message: message) }
        static func warn(_ name: String, _ message: String) -> Check {
            Check(name: name, level: .warn, message: message)
        }
        static func fail(_ name: String, _ message: String) -> Check {
            Check(name: name, level: .fail, message: message)
        }
    }

    func run() async throws {
        var checks: [Check] = [.ok("faramesh", "faramesh \(ServeSettings.runtimeVersion)")]
        checks.append(await Self.toolchainCheck())
        let source: SettingsSource
        do {
            source = try SettingsSource.current()
            checks.append(
                .ok(
                    "configuration",
                    FileManager.default.fileExists(atPath: ".env")
                        ? ".env parsed" : "no .env file (environment and defaults)"
                )
            )
        } catch {
            checks.append(.fail("configuration", ".env: \(error)"))
            source = SettingsSource(environment: ProcessInfo.processInfo.environment)
        }
        checks += await self.databaseChecks(source)
        checks.append(self.policyCheck(source))
        checks.append(self.tokenCheck(source))
        checks += await self.serverChecks(source)

        if global.json {
            print(
                CanonicalJSON.string(
                    .object([
                        "ok": .bool(!checks.contains { $0.level == .fail }),
                        "checks": .array(
                            checks.map {
                                .object([
                                    "name": .string($0.name), "status": .string($0.level.rawValue),
                                    "message": .string($0.message),
                                ])
                            }
                        ),
                    ])
                )
            )
        } else {
            let terminal = Terminal.stdout
            for check in checks {
                let color: Terminal.Color = check.level == .ok ? .green : (check.level == .warn ? .yellow : .red)
                let label = check.level.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0)
                print("\(terminal.paint(label, color))  \(check.name): \(check.message)")
            }
        }
        if checks.contains(where: { $0.level == .fail }) { throw ExitCode(1) }
    }

    // MARK: - Checks

    /// The Swift toolchain is needed only to build from source, so its absence is a warning.
    static func toolchainCheck() async -> Check {
        guard let output = await Self.run(["swift", "--version"], timeout: .seconds(15)) else {
            return .warn("toolchain", "swift not found on PATH (needed only to build faramesh from source)")
        }
        let line = output.split(whereSeparator: \.isNewline).first { $0.contains("Swift version") }.map(String.init)
        return .ok("toolchain", line ?? "swift found")
    }

    func databaseChecks(_ source: SettingsSource) async -> [Check] {
        let settings: DatabaseSettings
        do {
            settings = try DatabaseSettings.resolve(database, source)
        } catch {
            return [.fail("database", "\(error)")]
        }
        var checks: [Check] = []
        if settings.backend == .sqlite {
            let path = settings.sqlitePath
            let manager = FileManager.default
            if !manager.fileExists(atPath: path) {
                let directory = Self.nearestExistingDirectory(of: path)
                if manager.isWritableFile(atPath: directory) {
                    return [
                        .ok(
                            "database",
                            "SQLite \(path) does not exist yet; `faramesh serve` creates it (\(directory) is writable)"
                        )
                    ]
                }
                return [.fail("database", "SQLite \(path) does not exist and \(directory) is not writable")]
            }
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard manager.isWritableFile(atPath: path), manager.isWritableFile(atPath: directory) else {
                return [.fail("database", "SQLite \(path) (or its directory, for the journal) is not writable")]
            }
            checks.append(.ok("database writable", "SQLite \(path) and its directory are writable"))
        }
        var logger = Logger(label: "faramesh.doctor")
        logger.logLevel = .critical
        do {
            let backend = settings.backend
            let results = try await StoreFactory.withStore(settings, logger: logger) { store -> [Check] in
                var results: [Check] = []
                do {
                    try await Self.bounded(.seconds(5)) { try await store.ping() }
                    results.append(.ok("database", "\(backend.rawValue) reachable"))
                } catch {
                    return [.fail("database", "\(backend.rawValue) not reachable: \(error)")]
                }
                do {
                    let current = try await Self.bounded(.seconds(5)) { try await store.migrationsCurrent() }
                    results.append(
                        current
                            ? .ok("migrations", "schema is current")
                            : .fail(
                                "migrations",
                                "pending migrations: run `faramesh migrate` (serve also applies them)"
                            )
                    )
                } catch {
                    results.append(.fail("migrations", "cannot read the schema version: \(error)"))
                }
                if backend == .postgres {
                    // A zero-row locking UPDATE probe: needs write privileges and a writable
                    // (primary, not read-only) database, changes nothing.
                    do {
                        _ = try await Self.bounded(.seconds(5)) {
                            try await store.expireDue(now: Date(timeIntervalSince1970: 0), limit: 1)
                        }
                        results.append(.ok("database writable", "postgres accepts writes"))
                    } catch {
                        results.append(.fail("database writable", "postgres refused a write probe: \(error)"))
                    }
                }
                return results
            }
            checks += results
        } catch {
            checks.append(.fail("database", "\(error)"))
        }
        return checks
    }

    func policyCheck(_ source: SettingsSource) -> Check {
        var configuration = GatekeeperConfiguration()
        configuration.policyFile = source.string(flag: policyFile, ["FARAMESH_POLICY_FILE", "FARA_POLICY_FILE"])
        configuration.policyVersion = source.string(flag: nil, ["FARAMESH_POLICY_VERSION"])
        configuration.profileFile = source.string(flag: profileFile, ["FARAMESH_PROFILE_FILE"])
        var logger = Logger(label: "faramesh.doctor")
        logger.logLevel = .critical
        do {
            let runtime = try PolicyRuntime(configuration: configuration, logger: logger)
            guard let policy = runtime.engine.policy else { return .fail("policy", "no policy loaded") }
            let origin =
                configuration.policyFile
                ?? (FileManager.default.fileExists(atPath: "policies/default.yaml")
                    ? "policies/default.yaml" : "built-in default policy")
            var message =
                "\(origin): valid, \(policy.rules.count) rule(s), version \(policy.version), hash \(ActionFormat.hash(policy.hash))"
            if case .loaded(let profile) = runtime.engine.profile {
                message += "; profile \(profile.id) \(profile.version)"
            }
            if let warning = policy.warnings.first {
                return .warn("policy", message + "; \(policy.warnings.count) warning(s), first: \(warning)")
            }
            return .ok("policy", message)
        } catch {
            return .fail("policy", "\(error)")
        }
    }

    func tokenCheck(_ source: SettingsSource) -> Check {
        if source.string(flag: global.token, ["FARAMESH_TOKEN", "FARA_AUTH_TOKEN"]) != nil {
            return .ok("token", "a bearer token is configured (FARAMESH_TOKEN/FARA_AUTH_TOKEN or --token)")
        }
        return .warn("token", "no FARAMESH_TOKEN: the server runs in local mode (loopback only, no authentication)")
    }

    /// The running server's readiness and web UI; a server that is not running is only a warning.
    func serverChecks(_ source: SettingsSource) async -> [Check] {
        let configuration: FarameshClientConfiguration
        do {
            configuration = try ClientSettings.resolve(global, source)
        } catch {
            return [.fail("server", "\(error)")]
        }
        let url = configuration.baseURL.text
        do {
            return try await FarameshClient.withClient(configuration) { client -> [Check] in
                let (ready, body) = try await client.readiness()
                var checks: [Check] = [
                    ready
                        ? .ok("server", "\(url) is ready")
                        : .fail("server", "\(url) is not ready: \(body?["detail"]?.stringValue ?? "see /ready")")
                ]
                checks.append(try await Self.webUICheck(client, url: url))
                return checks
            }
        } catch {
            return [
                .warn("server", "no server answering: \(error)"),
                .warn("web UI", "not checked (no server running)"),
            ]
        }
    }

    /// The page at `/` (HTML with its Content-Security-Policy) and the module it loads.
    static func webUICheck(_ client: FarameshClient, url: String) async throws -> Check {
        let page = try await client.get("/")
        let html = page.header("Content-Type")?.lowercased().contains("text/html") ?? false
        guard page.status == 200, html else {
            return .warn("web UI", "no web UI served at \(url)/ (HTTP \(page.status)); the API works without it")
        }
        guard page.header("Content-Security-Policy")?.contains("default-src 'self'") ?? false else {
            return .warn("web UI", "\(url)/ answers without its Content-Security-Policy (a proxy may strip it)")
        }
        let script = try await client.get("/ui/app.js")
        guard script.status == 200, script.header("Content-Type")?.hasPrefix("text/javascript") ?? false else {
            return .warn(
                "web UI",
                "\(url)/ answers but /ui/app.js does not (HTTP \(script.status)); check the proxy in front"
            )
        }
        return .ok("web UI", "served at \(url)/")
    }

    // MARK: - Helpers

    static func nearestExistingDirectory(of path: String) -> String {
        var url = URL(fileURLWithPath: path).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: url.path) && url.path != "/" {
            url = url.deletingLastPathComponent()
        }
        return url.path
    }

    /// Runs `body`, failing with a clear error when it takes longer than `limit`.
    static func bounded<T: Sendable>(
        _ limit: Duration,
        _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw CLIError("no answer within \(ActionFormat.duration(limit))")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CLIError("no answer") }
            return first
        }
    }

    /// Output of a program found on PATH, or nil when it cannot be run or does not finish in time.
    static func run(_ arguments: [String], timeout: Duration) async -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        let finished = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            finished.continuation.yield($0.terminationStatus)
            finished.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            return nil
        }
        let status = try? await bounded(timeout) {
            for await status in finished.stream { return status }
            return Int32(-1)
        }
        if status == nil { process.terminate() }
        guard status == 0 else { return nil }
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
