import FarameshAPI
import FarameshClient
import FarameshCore
import FarameshServer
import FarameshStore
import FarameshStorePostgres
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import FarameshStoreSQLite
@testable import faramesh

/// The audit ledger through the real binaries: `faramesh serve` seals and signs (a final
/// checkpoint on SIGTERM), `verify-log`, `audit export` and `audit verify` check it, and a
/// tampered database or bundle makes them exit 1.
@Suite("Ledger through the faramesh binary", .serialized)
struct LedgerCLITests {
    /// Submits a few actions and finishes the allowed ones.
    static func traffic(_ server: RunningServer, count: Int) async throws {
        try await server.client { client in
            for i in 0..<count {
                let action = try await client.submit(
                    SubmitActionRequest(
                        agentID: "agent-\(i % 3)",
                        tool: "http",
                        operation: "get",
                        params: .object([
                            "url": .string("https://example.com/\(i)"), "api_key": .string("sk-secret-\(i)"),
                        ])
                    )
                )
                if action.status == .allowed {
                    _ = try await client.result(action.id, ResultRequest(success: true))
                }
            }
        }
    }

    static func publicKey(_ server: RunningServer) async throws -> LedgerPublicKey {
        let response = try await server.client(token: RunningServer.adminToken) {
            try await $0.get("/v1/ledger/public-key")
        }
        #expect(response.status == 200)
        return try #require(try LedgerPublicKeyResponse(json: try JSONParser.parse(response.body)).current)
    }

    /// Runs raw SQL against the test database (tampering).
    static func tamper(_ database: TestDatabase, _ sql: String) async throws {
        switch database.backend {
        case .postgres:
            let configuration = try PostgresConfiguration(dsn: database.dsn ?? "", poolSize: 1)
            let client = PostgresClient(configuration: configuration.client, backgroundLogger: TestDatabase.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                for try await _ in try await client.query(PostgresQuery(unsafeSQL: sql), logger: TestDatabase.logger) {}
            }
        case .sqlite:
            let store = try await SQLiteActionStore(path: database.sqlitePath ?? "", logger: TestDatabase.logger)
            do {
                try await store.write { conn -> (Void, Int64?) in
                    try await SQLiteRunner.execute(conn, sql)
                    return ((), nil)
                }
                try await store.shutdown()
            } catch {
                try? await store.shutdown()
                throw error
            }
        }
    }

    @Test(
        "serve seals and signs; verify-log, incremental verify-log, audit export and verify; tampering exits 1",
        arguments: Backend.allCases
    )
    func endToEnd(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            let directory = database.directory
            let key = try await RunningServer.with(database) { server in
                try await Self.traffic(server, count: 8)
                return try await Self.publicKey(server)
            }
            // Generated at first start next to the database, private to the owner.
            let keyFile = directory.appendingPathComponent("data/ledger-signing.key").path
            let attributes = try FileManager.default.attributesOfItem(atPath: keyFile)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try LedgerSigningKey(text: String(contentsOfFile: keyFile, encoding: .utf8)).publicKey == key)
            let pinned = ["--public-key", key.base64]

            var verified = try await CLI.run(
                ["verify-log", "--json", "--state", "state.json"] + pinned + database.flags,
                directory: directory
            )
            #expect(verified.status == 0, "\(verified)")
            let json = try verified.json()
            #expect(json["ok"] == .bool(true))
            #expect(json["unsealed_events"] == .int(0) && json["unsigned_positions"] == .int(0), "\(verified)")
            #expect(json["positions"] == json["events"])
            #expect(json["latest_checkpoint"]?["tree_size"] == json["positions"])
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("state.json").path))

            // More traffic, then an incremental check from the remembered checkpoint.
            try await RunningServer.with(database) { server in try await Self.traffic(server, count: 5) }
            verified = try await CLI.run(
                ["verify-log", "--since-checkpoint", "last", "--state", "state.json"] + pinned + database.flags,
                directory: directory
            )
            #expect(verified.status == 0, "\(verified)")
            #expect(verified.stdout.contains("consistency proof"), "\(verified)")

            // Export with redaction, verify offline.
            let export = try await CLI.run(
                ["audit", "export", "--redact", "api_key", "-o", "bundle.jsonl"] + database.flags,
                directory: directory
            )
            #expect(export.status == 0, "\(export)")
            let bundle = try String(contentsOf: directory.appendingPathComponent("bundle.jsonl"), encoding: .utf8)
            #expect(!bundle.contains("sk-secret-"))
            var check = try await CLI.run(["audit", "verify", "bundle.jsonl"] + pinned, directory: directory)
            #expect(check.status == 0, "\(check)")
            #expect(check.stdout.hasPrefix("OK:"))
            check = try await CLI.run(["audit", "verify", "bundle.jsonl"], directory: directory)
            #expect(check.status == 2, "\(check)")
            let forged = bundle.replacingOccurrences(of: "\"success\":true", with: "\"success\":false")
                .replacingOccurrences(of: "agent-1", with: "agent-9")
            #expect(forged != bundle)
            try forged.write(to: directory.appendingPathComponent("forged.jsonl"), atomically: true, encoding: .utf8)
            check = try await CLI.run(["audit", "verify", "forged.jsonl", "--json"] + pinned, directory: directory)
            #expect(check.status == 1, "\(check)")
            #expect(try check.json()["ok"] == .bool(false))

            // An edited event in the database: verify-log names it and exits 1.
            let entries = try await StoreFactory.withStore(database.settings, logger: TestDatabase.logger) { store in
                try await store.ledgerEntries(from: 3, limit: 1)
            }
            let victim = try #require(entries.first?.event)
            try await Self.tamper(
                database,
                "UPDATE action_events SET actor = 'mallory' WHERE id = '\(victim.id.uuidString.lowercased())'"
            )
            let tampered = try await CLI.run(["verify-log", "--json"] + pinned + database.flags, directory: directory)
            #expect(tampered.status == 1, "\(tampered)")
            guard case .array(let failures)? = try tampered.json()["failures"] else {
                Issue.record("no failures array: \(tampered)")
                return
            }
            #expect(
                failures.contains {
                    $0["event_id"] == .string(victim.id.uuidString.lowercased()) && $0["position"] == .int(3)
                        && $0["kind"] == .string("edited")
                },
                "\(tampered)"
            )
        }
    }

    @Test("a new key (FARAMESH_LEDGER_KEY) rotates: old and new checkpoints verify with both keys")
    func keyRotation() async throws {
        try await TestDatabase.with(.sqlite) { database in
            let first = try await RunningServer.with(database) { server in
                try await Self.traffic(server, count: 3)
                return try await Self.publicKey(server)
            }
            let next = LedgerSigningKey.generate()
            let second = try await RunningServer.with(database, environment: ["FARAMESH_LEDGER_KEY": next.base64]) {
                server in
                try await Self.traffic(server, count: 3)
                return try await Self.publicKey(server)
            }
            #expect(second == next.publicKey && first != second)
            let both = try await CLI.run(
                ["verify-log", "--public-key", first.base64, "--public-key", second.base64] + database.flags,
                directory: database.directory
            )
            #expect(both.status == 0, "\(both)")
            let onlyNew = try await CLI.run(
                ["verify-log", "--public-key", second.base64] + database.flags,
                directory: database.directory
            )
            #expect(onlyNew.status == 1, "\(onlyNew)")
            #expect(onlyNew.stdout.contains("not a trusted key"))
        }
    }
}
