import FarameshCore
import FarameshStore
import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import FarameshStorePostgres

/// Pieces of the PostgreSQL backend that need no server.
@Suite("PostgreSQL backend units")
struct PostgresUnitTests {
    // MARK: DSN

    @Test func parsesAFullDSN() throws {
        let config = try PostgresConfiguration(
            dsn:
                "postgresql://app%40corp:p%40ss%2Fw0rd@db.example.com:6543/fara%2Dmesh?sslmode=disable&application_name=faramesh",
            poolSize: 17,
            timeouts: PostgresTimeouts(operation: .seconds(3))
        )
        #expect(config.client.username == "app@corp")
        #expect(config.client.password == "p@ss/w0rd")
        #expect(config.client.host == "db.example.com")
        #expect(config.client.port == 6543)
        #expect(config.client.database == "fara-mesh")
        #expect(config.poolSize == 17)
        #expect(config.timeouts.operation == .seconds(3))
        let params = Dictionary(config.client.options.additionalStartupParameters, uniquingKeysWith: { a, _ in a })
        #expect(params["application_name"] == "faramesh")
        #expect(params["statement_timeout"] == "3000")
        #expect(params["idle_in_transaction_session_timeout"] == "60000")
    }

    @Test func defaultsAndOptions() throws {
        let config = try PostgresConfiguration(
            dsn: "postgres://u@127.0.0.1/db?options=-c%20statement_timeout%3D250%20-csearch_path%3Dx&connect_timeout=3"
        )
        #expect(config.client.port == 5432)
        #expect(config.client.password == nil)
        #expect(config.client.options.connectTimeout == .seconds(3))
        let params = config.client.options.additionalStartupParameters
        #expect(params.filter { $0.0 == "statement_timeout" }.map(\.1) == ["250"])
        #expect(params.contains { $0.0 == "search_path" && $0.1 == "x" })
    }

    @Test func unixSocketHost() throws {
        let config = try PostgresConfiguration(dsn: "postgres://u@/faramesh?host=/tmp/faramesh-pg/sock&sslmode=disable")
        #expect(config.client.unixSocketPath == "/tmp/faramesh-pg/sock/.s.PGSQL.5432")
        #expect(config.client.host == nil)
    }

    @Test(arguments: [
        "mysql://u@h/db", "postgres://h/db", "postgres://u@h/db?sslmode=bogus", "postgres://u@h/db?nope=1",
        "postgres://u:hunter2@h/db?sslmode=nope", "postgres://u:hunter2@h/a/b", "not a url at all",
        "postgres://u@h/db?options=-x", "postgres://u@/db",
    ])
    func rejectsBadDSNs(dsn: String) {
        do {
            _ = try PostgresConfiguration(dsn: dsn)
            Issue.record("accepted \(dsn)")
        } catch {
            #expect(!error.description.contains("hunter2"))
            #expect(error.description.hasPrefix("invalid PostgreSQL DSN"))
        }
    }

    @Test func tlsModesParse() throws {
        for mode in ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] {
            _ = try PostgresConfiguration(dsn: "postgres://u@h/db?sslmode=\(mode)")
        }
    }

    // MARK: SQL script splitting

    @Test func splitsStatementsRespectingQuotesAndComments() {
        let script = """
            -- header; with a semicolon
            CREATE TABLE a (x text DEFAULT 'a;b', "we;ird" int); /* block; comment /* nested; */ still */
            INSERT INTO a VALUES ('it''s; fine', 1);
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT $$x;y$$, E'esc\\';still', $1::int;
            ;  -- empty
            -- trailing comment only
            """
        let statements = SQLScript.statements(in: script)
        #expect(statements.count == 4)
        #expect(statements[0] == "CREATE TABLE a (x text DEFAULT 'a;b', \"we;ird\" int)")
        #expect(statements[1] == "INSERT INTO a VALUES ('it''s; fine', 1)")
        #expect(statements[2] == "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql")
        #expect(statements[3] == "SELECT $$x;y$$, E'esc\\';still', $1::int")
    }

    @Test func bundledMigrationsAreNumberedAndSplit() throws {
        let migrator = try PostgresMigrator.bundled()
        #expect(migrator.migrations.first?.version == 1)
        #expect(migrator.migrations.first?.name == "initial")
        let versions = migrator.migrations.map(\.version)
        #expect(versions == Array(1...versions.count))
        let statements = SQLScript.statements(in: migrator.migrations[0].sql)
        #expect(statements.contains { $0.hasPrefix("CREATE TABLE actions") })
        #expect(statements.contains { $0.hasPrefix("CREATE TABLE action_events") })
        #expect(statements.allSatisfy { !$0.hasPrefix("--") })
        #expect(MigrationFile.parseFileName("0012_add_things.sql")! == (12, "add_things"))
        #expect(MigrationFile.parseFileName("12.sql") == nil)
        #expect(MigrationFile.parseFileName("x_12.sql") == nil)
    }

    // MARK: id prefixes

    @Test func prefixBecomesAUUIDRange() throws {
        let range = try #require(ActionIDPrefix.range("ABCDEF01-23"))
        #expect(range.lowerBound.uuidString.lowercased() == "abcdef01-2300-0000-0000-000000000000")
        #expect(range.upperBound.uuidString.lowercased() == "abcdef01-23ff-ffff-ffff-ffffffffffff")
        #expect(ActionIDPrefix.range("abcdef0123") == nil)
        #expect(ActionIDPrefix.range("abcdefg1") == nil)
        #expect(ActionIDPrefix.range("") == nil)
        #expect(ActionIDPrefix.range("１２３４５６７８") == nil)  // full-width digits are not hex
        let full = "abcdef01-2345-4789-8bcd-ef0123456789"
        let exact = try #require(ActionIDPrefix.range(full))
        #expect(exact.lowerBound == exact.upperBound)
    }

    // MARK: stored JSON

    @Test func storedJSONKeepsEveryValue() throws {
        let value = StoreFixtures.trickyJSON
        let text = StoredJSON.string(value)
        let back = try StoredJSON.parse(text)
        #expect(back == value)
        #expect(CanonicalJSON.bytes(back) == CanonicalJSON.bytes(value))
        #expect(StoredJSON.string(back) == text)
        // Canonical JSON writes 1.0 as 1 (an int when read back); the stored form does not.
        #expect(StoredJSON.string(.double(1.0)) == "1.0")
        #expect(try StoredJSON.parse(StoredJSON.string(.double(1e21))) == .double(1e21))
        #expect(try StoredJSON.parse(StoredJSON.string(.double(-0.0))) == .double(0))
        #expect(StoredJSON.string(.object(["b": .int(1), "a": .array([])])) == #"{"a":[],"b":1}"#)
    }

    @Test func randomDoublesRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let bits = generator.next() as UInt64
            let d = Double(bitPattern: bits)
            guard d.isFinite else { continue }
            #expect(try StoredJSON.parse(StoredJSON.string(.double(d))) == .double(d))
        }
    }

    // MARK: deadlines

    @Test func deadlineReturnsOnTimeWhenTheOperationIgnoresCancellation() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try await Deadline.run(.milliseconds(200)) {
                // Ignores cancellation for 30 s, like a driver call stuck on a socket.
                await Self.uncancellableWait(seconds: 30)
                return 1
            }
            Issue.record("expected a timeout")
        } catch is Deadline.Exceeded {
        }
        let elapsed = clock.now - start
        // Generous slack for a loaded CI machine; without the deadline this would take 30 s.
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    /// Waits without reacting to cancellation and without occupying a cooperative thread.
    private static func uncancellableWait(seconds: Double) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume() }
        }
    }

    @Test func deadlinePassesResultsAndErrorsThrough() async throws {
        #expect(try await Deadline.run(.seconds(5)) { 42 } == 42)
        await #expect(throws: StoreError.self) {
            _ = try await Deadline.run(.seconds(5)) { () async throws -> Int in throw StoreError.notFound }
        }
    }

    @Test func deadlineHonoursCallerCancellation() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let task = Task {
            try await Deadline.run(.seconds(60)) {
                await Self.uncancellableWait(seconds: 30)
                return 1
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(clock.now - start < .seconds(5))
    }

    @Test func theWatchdogExpiresOnlyWhatIsDueAndNothingForgotten() async throws {
        let watchdog = DeadlineWatchdog()
        let now = ContinuousClock.now
        let fired = Mutex<[String]>([])
        let early = watchdog.watch(until: now - .seconds(1)) { fired.withLock { $0.append("early") } }
        _ = watchdog.watch(until: now + .seconds(60)) { fired.withLock { $0.append("late") } }
        let forgotten = watchdog.watch(until: now - .seconds(1)) { fired.withLock { $0.append("forgotten") } }
        watchdog.forget(forgotten)
        for expire in watchdog.takeDue(at: now) { expire() }
        #expect(fired.withLock { $0 } == ["early"])
        // Taken once: a due watch does not fire twice; forgetting it afterwards is harmless.
        #expect(watchdog.takeDue(at: now).isEmpty)
        watchdog.forget(early)
        // The loop itself expires a short deadline soon after it passes.
        let start = ContinuousClock.now
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            _ = watchdog.watch(until: start + .milliseconds(30)) { continuation.resume() }
        }
        #expect(ContinuousClock.now - start >= .milliseconds(30))
    }

    @Test func timestampsEncodeExactly() {
        for micros: Int64 in [0, 1, -1, 946_684_800_000_000, 1_764_000_000_123_457, -62_135_596_800_000_000] {
            let ts = PostgresTimestamp(WireTimestamp.date(microseconds: micros))
            #expect(ts.microseconds == micros)
            var buffer = ByteBuffer()
            ts.encode(into: &buffer, context: .default)
            var readable = buffer
            let decoded = try? PostgresTimestamp(
                from: &readable,
                type: .timestamptz,
                format: .binary,
                context: .default
            )
            #expect(decoded == ts)
        }
    }
}
