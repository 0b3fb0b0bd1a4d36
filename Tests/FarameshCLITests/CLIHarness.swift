import FarameshAPI
import FarameshClient
import FarameshCore
import FarameshStorePostgres
import Foundation
import Logging
import PostgresNIO
import Synchronization
import Testing

@testable import faramesh

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The output of one run of the real `faramesh` binary.
struct CLIResult: Sendable, CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String
    var duration: Duration

    func json() throws -> JSONValue {
        do {
            return try JSONParser.parse(stdout)
        } catch {
            throw HarnessFailure("stdout is not JSON: \(stdout)\nstderr: \(stderr)")
        }
    }

    func actions() throws -> [ActionResponse] {
        guard case .array(let items) = try json() else { throw HarnessFailure("stdout is not a JSON array: \(stdout)") }
        return try items.map { try ActionResponse(json: $0) }
    }

    func action() throws -> ActionResponse { try ActionResponse(json: try json()) }

    var description: String { "exit \(status) after \(duration)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Finds and runs the `faramesh` executable that `swift build` put next to the test bundle.
enum CLI {
    static func binary() throws -> URL {
        let manager = FileManager.default
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent()) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent())
        for directory in candidates {
            var url = directory
            for _ in 0..<4 {
                let binary = url.appendingPathComponent("faramesh")
                var isDirectory: ObjCBool = false
                if manager.fileExists(atPath: binary.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                    manager.isExecutableFile(atPath: binary.path)
                {
                    return binary
                }
                url = url.deletingLastPathComponent()
            }
        }
        throw HarnessFailure(
            "the faramesh binary was not found next to the test bundle (\(candidates.map(\.path))); run `swift build` first"
        )
    }

    /// The repository root (for policies/default.yaml).
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/"
            && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
        {
            url = url.deletingLastPathComponent()
        }
        return url
    }()

    static var defaultPolicy: String { repositoryRoot.appendingPathComponent("policies/default.yaml").path }

    /// A clean environment: nothing from the test process leaks into the command (no tokens, URLs).
    static func environment(_ extra: [String: String] = [:], home: URL) -> [String: String] {
        var env = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": home.path,
            "LANG": "C.UTF-8",
        ]
        env.merge(extra) { _, new in new }
        return env
    }

    /// Runs the binary to completion (output goes through files, so large outputs cannot block).
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        directory: URL,
        timeout: Duration = .seconds(60),
        executable: URL? = nil
    ) async throws -> CLIResult {
        let out = directory.appendingPathComponent(".cli-\(UUID().uuidString).out")
        let err = directory.appendingPathComponent(".cli-\(UUID().uuidString).err")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = try executable ?? binary()
        process.arguments = arguments
        process.environment = self.environment(environment, home: directory)
        process.currentDirectoryURL = directory
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            exited.continuation.yield($0.terminationStatus)
            exited.continuation.finish()
        }
        let started = ContinuousClock.now
        try process.run()
        let pid = process.processIdentifier
        let status = try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in exited.stream { return status }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                kill(pid, SIGKILL)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let status else {
            throw HarnessFailure("faramesh \(arguments.joined(separator: " ")) did not finish within \(timeout)")
        }
        return CLIResult(
            status: status,
            stdout: String(decoding: FileManager.default.contents(atPath: out.path) ?? Data(), as: UTF8.self),
            stderr: String(decoding: FileManager.default.contents(atPath: err.path) ?? Data(), as: UTF8.self),
            duration: ContinuousClock.now - started
        )
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "faramesh-cli-\(UUID().uuidString.prefix(8))"
        )
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// A free loopback TCP port (bound and released; the small race is accepted in tests).
enum FreePort {
    static func pick() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessFailure("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw HarnessFailure("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw HarnessFailure("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// The store backends the CLI is tested against.
enum Backend: String, Sendable, CaseIterable, CustomStringConvertible {
    case postgres, sqlite
    var description: String { rawValue }
}

/// A fresh database for one test: a new PostgreSQL database (from `FARAMESH_TEST_POSTGRES_DSN`)
/// or a new SQLite file. Tests fail, never skip, without the PostgreSQL DSN.
struct TestDatabase: Sendable {
    var backend: Backend
    var dsn: String?
    var sqlitePath: String?
    var directory: URL

    /// Flags of every command that opens the database directly.
    var flags: [String] {
        switch backend {
        case .postgres: ["--db-backend", "postgres", "--dsn", dsn ?? ""]
        case .sqlite: ["--db-backend", "sqlite", "--sqlite-path", sqlitePath ?? ""]
        }
    }

    var settings: DatabaseSettings {
        DatabaseSettings(
            backend: backend == .postgres ? .postgres : .sqlite,
            postgresDSN: dsn,
            sqlitePath: sqlitePath ?? "",
            poolSize: 4
        )
    }

    static let logger: Logger = {
        var logger = Logger(label: "faramesh.cli.test")
        logger.logLevel = .critical
        return logger
    }()

    static func with<T: Sendable>(_ backend: Backend, _ body: (TestDatabase) async throws -> T) async throws -> T {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        switch backend {
        case .sqlite:
            let path = directory.appendingPathComponent("data/actions.db").path
            return try await body(TestDatabase(backend: .sqlite, sqlitePath: path, directory: directory))
        case .postgres:
            guard let base = ProcessInfo.processInfo.environment["FARAMESH_TEST_POSTGRES_DSN"], !base.isEmpty else {
                throw HarnessFailure(
                    "FARAMESH_TEST_POSTGRES_DSN is not set. The CLI tests run a real server on PostgreSQL and never skip: "
                        + "run `eval \"$(scripts/start-postgres.sh)\"` and test again."
                )
            }
            let name =
                "faramesh_cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
            try await self.admin(base, "CREATE DATABASE \(name)")
            guard var components = URLComponents(string: base) else {
                throw HarnessFailure("bad FARAMESH_TEST_POSTGRES_DSN")
            }
            components.path = "/" + name
            guard let dsn = components.string else { throw HarnessFailure("bad FARAMESH_TEST_POSTGRES_DSN") }
            do {
                let result = try await body(TestDatabase(backend: .postgres, dsn: dsn, directory: directory))
                try? await self.admin(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                return result
            } catch {
                try? await self.admin(base, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                throw error
            }
        }
    }

    /// Runs one statement that cannot take bind parameters (CREATE/DROP DATABASE) on `dsn`.
    private static func admin(_ dsn: String, _ sql: String) async throws {
        let configuration = try PostgresConfiguration(dsn: dsn, poolSize: 1)
        let client = PostgresClient(configuration: configuration.client, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        }
    }
}

/// `faramesh serve` on a free loopback port over a `TestDatabase`, with role tokens.
struct RunningServer: Sendable {
    static let adminToken = "cli-test-bootstrap-admin-token-0123456789"

    var port: Int
    var database: TestDatabase
    var agentToken: String
    var approverToken: String

    var url: String { "http://127.0.0.1:\(port)" }

    /// Runs a CLI command against this server with `token` (admin by default).
    func cli(_ arguments: [String], token: String? = nil, environment: [String: String] = [:]) async throws -> CLIResult
    {
        try await CLI.run(
            arguments + ["--port", String(port), "--token", token ?? Self.adminToken],
            environment: environment,
            directory: database.directory
        )
    }

    /// An API client for setting up data (agent token by default).
    func client<T: Sendable>(token: String? = nil, _ body: (FarameshClient) async throws -> T) async throws -> T {
        try await FarameshClient.withClient(
            FarameshClientConfiguration(
                baseURL: try BaseURL(host: "127.0.0.1", port: port),
                token: token ?? agentToken
            ),
            body
        )
    }

    /// Creates tokens, starts the server, waits until `/ready`, runs `body`, stops the server (SIGTERM).
    static func with<T: Sendable>(
        _ database: TestDatabase,
        environment: [String: String] = [:],
        _ body: (RunningServer) async throws -> T
    ) async throws -> T {
        let directory = database.directory
        // The tests submit as agent-a, agent-b, agent-0, ...; the agent token submits, reads and replays them.
        let agent = try await self.createToken(
            "cli-agent-\(UUID().uuidString.prefix(6))",
            role: "agent",
            database,
            agentIDs: ["agent-*"]
        )
        let approver = try await self.createToken(
            "cli-approver-\(UUID().uuidString.prefix(6))",
            role: "approver",
            database
        )
        let port = try FreePort.pick()
        let log = directory.appendingPathComponent("serve-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = try CLI.binary()
        process.arguments = ["serve", "--port", String(port), "--policy", CLI.defaultPolicy] + database.flags
        process.environment = CLI.environment(
            environment.merging(["FARAMESH_TOKEN": adminToken]) { a, _ in a },
            home: directory
        )
        process.currentDirectoryURL = directory
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            exited.continuation.yield($0.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        let pid = process.processIdentifier
        let server = RunningServer(port: port, database: database, agentToken: agent, approverToken: approver)

        func logText() -> String {
            String(decoding: FileManager.default.contents(atPath: log.path) ?? Data(), as: UTF8.self)
        }
        func stop() async {
            kill(pid, SIGTERM)
            let stopped = await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    for await _ in exited.stream { return true }
                    return true
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(15))
                    return false
                }
                defer { group.cancelAll() }
                return await group.next() ?? false
            }
            if !stopped { kill(pid, SIGKILL) }
        }

        do {
            let deadline = ContinuousClock.now + .seconds(60)
            var ready = false
            while !ready {
                if !process.isRunning { throw HarnessFailure("faramesh serve exited early:\n\(logText())") }
                if ContinuousClock.now > deadline {
                    throw HarnessFailure("faramesh serve did not become ready:\n\(logText())")
                }
                ready = (try? await server.client { try await $0.readiness().ready }) ?? false
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            let result = try await body(server)
            await stop()
            return result
        } catch {
            await stop()
            throw HarnessFailure("\(error)\n--- server log\n\(logText().suffix(4000))")
        }
    }

    /// `faramesh token create` against the database; returns the secret.
    static func createToken(
        _ name: String,
        role: String,
        _ database: TestDatabase,
        agentIDs: [String] = []
    ) async throws -> String {
        let result = try await CLI.run(
            ["token", "create", "--name", name, "--role", role, "--json"]
                + agentIDs.flatMap { ["--agent-id", $0] } + database.flags,
            directory: database.directory
        )
        guard result.status == 0, let token = try result.json()["token"]?.stringValue else {
            throw HarnessFailure("token create failed: \(result)")
        }
        return token
    }
}
