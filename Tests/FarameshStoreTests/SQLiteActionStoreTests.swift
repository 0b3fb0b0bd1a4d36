import FarameshCore
import FarameshStore
import Foundation
import Logging
import SQLiteNIO
import Testing

@testable import FarameshStoreSQLite

/// The conformance suite against the embedded SQLite store (a fresh temporary database file per
/// test, and once more in memory), plus the SQLite-specific behaviour: WAL mode, file creation,
/// reopening, shutdown, the in-process doorbell, locks held by other processes.
@Suite("SQLiteActionStore")
struct SQLiteActionStoreTests {
    // MARK: the database file

    @Test func createsTheFileWithItsDirectoriesInWALMode() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        let path = root + "/nested/deeper/actions.db"
        #expect(!FileManager.default.fileExists(atPath: root))
        let store = try await SQLiteActionStore(
            path: path,
            timeouts: SQLiteTestDatabase.timeouts,
            logger: SQLiteTestDatabase.logger
        )
        try await SQLiteTestDatabase.closing(store) {
            #expect(store.path == path)
            #expect(FileManager.default.fileExists(atPath: path))
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let directory = try FileManager.default.attributesOfItem(atPath: root + "/nested/deeper")
            #expect((directory[.posixPermissions] as? NSNumber)?.intValue == 0o700)
            #expect(try await store.migrationsCurrent() == false)
            try await store.migrate()
            #expect(try await store.migrationsCurrent())

            // Per-connection settings of the writer.
            #expect(try await store.writerPragma("journal_mode") == "wal")
            #expect(try await store.writerPragma("synchronous") == "2")  // FULL
            #expect(try await store.writerPragma("foreign_keys") == "1")
            #expect(try await store.writerPragma("busy_timeout") == "30000")

            // The WAL and shared-memory files are as private as the database.
            let (action, events) = StoreFixtures.action()
            _ = try await store.submit(action, events: events, idempotencyKey: nil)
            for suffix in ["-wal", "-shm"] {
                let companion = try FileManager.default.attributesOfItem(atPath: path + suffix)
                #expect((companion[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(suffix)")
            }
        }
        // WAL is a property of the file: a new connection sees it.
        try await SQLiteTestDatabase.withRawConnection(path) { conn in
            let mode = try await conn.query("PRAGMA journal_mode").first?.column("journal_mode")?.string
            #expect(mode == "wal")
            let tables = try await conn.query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
                .compactMap { $0.column("name")?.string }
            #expect(
                Set(tables).isSuperset(of: [
                    "actions", "action_events", "api_tokens", "idempotency_keys", "schema_migrations",
                ])
            )
        }
    }

    @Test("commits never checkpoint the WAL; the checkpointer copies it back on its own connection")
    func walIsCheckpointedOffTheCommits() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        let path = root + "/actions.db"
        let store = try await SQLiteActionStore(
            path: path,
            timeouts: SQLiteTestDatabase.timeouts,
            logger: SQLiteTestDatabase.logger
        )
        var ids: [UUID] = []
        try await SQLiteTestDatabase.closing(store) {
            try await store.migrate()
            #expect(try await store.writerPragma("wal_autocheckpoint") == "0")
            let checkpointer = try #require(store.walCheckpointer)
            let before = checkpointer.completedRounds
            for _ in 0..<50 {
                let (action, events) = StoreFixtures.action()
                ids.append(try await store.submit(action, events: events, idempotencyKey: nil).action.id)
            }
            // The loop runs a round within its interval of the commits.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(10)
            while checkpointer.completedRounds == before, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(checkpointer.completedRounds > before)
            // Nothing is left behind once no reader holds an old snapshot (the loop's next round
            // may still be running: that answers busy, and this asks again).
            var outcome = try await checkpointer.checkpoint()
            for _ in 0..<100 where outcome.busy {
                try await Task.sleep(for: .milliseconds(20))
                outcome = try await checkpointer.checkpoint()
            }
            #expect(!outcome.busy)
            #expect(outcome.log >= 0)
            #expect(outcome.copied == outcome.log)
        }
        // Everything committed is in the database file, read by a fresh connection.
        try await SQLiteTestDatabase.withRawConnection(path) { conn in
            let count = try await conn.query("SELECT count(*) AS n FROM actions").first?.column("n")?.integer
            #expect(count == ids.count)
        }
    }

    @Test("a completed checkpoint lets the next write rewind the WAL; under a write load it keeps doing so")
    func walIsRewoundNotGrown() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        // The loop stays out of the way: the test runs the rounds itself.
        let store = try await SQLiteActionStore(
            path: root + "/actions.db",
            timeouts: SQLiteTestDatabase.timeouts,
            checkpointInterval: .seconds(3600),
            logger: SQLiteTestDatabase.logger
        )
        try await SQLiteTestDatabase.closing(store) {
            try await store.migrate()
            let checkpointer = try #require(store.walCheckpointer)
            for _ in 0..<20 {
                let (action, events) = StoreFixtures.action()
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
            }
            let twenty = try await checkpointer.checkpoint()
            #expect(twenty.copied == twenty.log)
            let (action, events) = StoreFixtures.action()
            _ = try await store.submit(action, events: events, idempotencyKey: nil)
            let one = try await checkpointer.checkpoint()
            #expect(one.log > 0)
            #expect(one.log < twenty.log)

            // Rounds racing four writers: step 1 alone never catches up with the commits, the
            // step under the writer does, and the WAL starts over instead of growing.
            let logs = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        for _ in 0..<50 {
                            let (action, events) = StoreFixtures.action()
                            _ = try await store.submit(action, events: events, idempotencyKey: nil)
                        }
                        return []
                    }
                }
                group.addTask {
                    var logs: [Int] = []
                    for _ in 0..<40 {
                        try await checkpointer.checkpoint()
                        logs.append(try await checkpointer.finish().log)
                        try await Task.sleep(for: .milliseconds(5))
                    }
                    return logs
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            let rewinds = zip(logs, logs.dropFirst()).filter { $1 < $0 }.count
            #expect(rewinds > 0, "WAL frames after each round: \(logs)")
        }
    }

    @Test func relativePathsResolveAgainstTheWorkingDirectory() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        // From the working directory up to "/" and down into the temporary directory.
        let depth = FileManager.default.currentDirectoryPath.split(separator: "/").count
        let relative = String(repeating: "../", count: depth) + root.dropFirst() + "/./sub/../actions.db"
        #expect(!relative.hasPrefix("/"))
        let store = try await SQLiteActionStore(
            path: relative,
            timeouts: SQLiteTestDatabase.timeouts,
            logger: SQLiteTestDatabase.logger
        )
        try await SQLiteTestDatabase.closing(store) {
            #expect(store.path == root + "/actions.db")
            #expect(FileManager.default.fileExists(atPath: root + "/actions.db"))
        }
    }

    @Test func aFileThatIsNotADatabaseFailsToOpenCleanly() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let path = root + "/actions.db"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x5A, count: 8192)))
        do {
            let store = try await SQLiteActionStore(
                path: path,
                timeouts: SQLiteTestDatabase.timeouts,
                logger: SQLiteTestDatabase.logger
            )
            try await store.shutdown()
            Issue.record("opening garbage must fail")
        } catch StoreError.unavailable(let message) {
            #expect(
                message == "cannot open the SQLite database at \(path): the database file is damaged or not a database"
            )
        }
        // A directory where the file should be.
        do {
            let store = try await SQLiteActionStore(
                path: root,
                timeouts: SQLiteTestDatabase.timeouts,
                logger: SQLiteTestDatabase.logger
            )
            try await store.shutdown()
            Issue.record("opening a directory must fail")
        } catch StoreError.unavailable(let message) {
            #expect(message.hasPrefix("cannot open the SQLite database at \(root)"), "\(message)")
        }
    }

    @Test func reopeningKeepsEverything() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        let path = root + "/actions.db"
        let (action, events) = StoreFixtures.action(status: .pendingApproval, params: StoreFixtures.trickyJSON)
        let token = APIToken(
            id: UUID(),
            name: "ci",
            role: .agent,
            tokenHash: SHA256Hex.hash("s"),
            createdAt: WireTimestamp.now()
        )
        var approved: Action?
        var lastSeq: Int64 = 0

        let first = try await SQLiteActionStore(
            path: path,
            timeouts: SQLiteTestDatabase.timeouts,
            logger: SQLiteTestDatabase.logger
        )
        try await SQLiteTestDatabase.closing(first) {
            try await first.migrate()
            _ = try await first.submit(action, events: events, idempotencyKey: "keep-me")
            approved = try await first.transition(action.id, StoreFixtures.request(.approve, actor: "bob"))
            try await first.createToken(token)
            lastSeq = try await first.events(after: 0, limit: 100).last?.seq ?? 0
        }
        // The last close checkpoints the WAL into the database file and removes it.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))

        let second = try await SQLiteActionStore(
            path: path,
            timeouts: SQLiteTestDatabase.timeouts,
            logger: SQLiteTestDatabase.logger
        )
        try await SQLiteTestDatabase.closing(second) {
            #expect(try await second.migrationsCurrent())
            try await second.migrate()
            let reread = try #require(try await second.action(id: action.id))
            #expect(reread == approved)
            #expect(reread.request.params == StoreFixtures.trickyJSON)
            let timeline = try await second.events(actionID: action.id)
            #expect(timeline.map(\.type) == [.created, .decisionMade, .approved])
            #expect(EventChain.verify(timeline) == .valid(count: 3))
            #expect(try await second.tokens() == [token])
            // The idempotency key still replays.
            let retry = StoreFixtures.action(status: .pendingApproval, params: StoreFixtures.trickyJSON)
            let replay = try await second.submit(retry.action, events: retry.events, idempotencyKey: "keep-me")
            #expect(!replay.created)
            #expect(replay.action.id == action.id)
            // Seqs continue after the old ones.
            let next = StoreFixtures.action()
            _ = try await second.submit(next.action, events: next.events, idempotencyKey: nil)
            let newSeqs = try await second.events(actionID: next.action.id).map(\.seq)
            #expect(newSeqs == [lastSeq + 1, lastSeq + 2])
        }
    }

    @Test func valuesAreStoredAsExactIntegersAndStoredJSONText() async throws {
        try await SQLiteTestDatabase.withStore { store, path in
            let micros: Int64 = 1_764_000_000_123_457
            let (action, events) = StoreFixtures.action(
                status: .pendingApproval,
                params: .object(["d": .double(1.0), "i": .int(1)]),
                createdAt: WireTimestamp.date(microseconds: micros)
            )
            _ = try await store.submit(action, events: events, idempotencyKey: nil)
            let id = action.id.uuidString.lowercased()
            try await SQLiteTestDatabase.withRawConnection(try #require(path)) { conn in
                let row = try #require(
                    try await conn.query(
                        """
                        SELECT id, typeof(created_at) AS t, created_at, approval_expires_at, params_json FROM actions
                        """
                    ).first
                )
                #expect(row.column("id")?.string == id)
                #expect(row.column("t")?.string == "integer")
                #expect(row.column("created_at")?.integer == Int(micros))
                #expect(row.column("approval_expires_at")?.integer == Int(micros + 3_600_000_000))
                #expect(row.column("params_json")?.string == #"{"d":1.0,"i":1}"#)
            }
        }
    }

    // MARK: shutdown

    @Test func shutdownClosesAndRefusesFurtherCalls() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        let store = try await SQLiteActionStore(
            path: root + "/actions.db",
            timeouts: SQLiteTestDatabase.timeouts,
            logger: SQLiteTestDatabase.logger
        )
        let seqs = store.eventSeqs()
        do {
            try await store.migrate()
            try await store.ping()
            // Concurrent and repeated shutdowns all return once everything is closed.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { try await store.shutdown() } }
                try await group.waitForAll()
            }
            try await store.shutdown()
        } catch {
            try? await store.shutdown()
            throw error
        }
        for await _ in seqs { Issue.record("the doorbell must end at shutdown") }
        for await _ in store.eventSeqs() { Issue.record("a doorbell opened after shutdown must be over") }
        await Self.expectShutDown { try await store.ping() }
        await Self.expectShutDown { _ = try await store.action(id: UUID()) }
        let (action, events) = StoreFixtures.action()
        await Self.expectShutDown { _ = try await store.submit(action, events: events, idempotencyKey: nil) }
        await Self.expectShutDown { try await store.migrate() }
        #expect(!FileManager.default.fileExists(atPath: root + "/actions.db-wal"))
    }

    @Test func shutdownWaitsForCallsInFlight() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        let path = root + "/actions.db"
        let store = try await SQLiteActionStore(
            path: path,
            timeouts: SQLiteTestDatabase.timeouts,
            logger: SQLiteTestDatabase.logger
        )
        var landed: Set<UUID> = []
        try await SQLiteTestDatabase.closing(store) {
            try await store.migrate()
            let submissions = (0..<200).map { _ in StoreFixtures.action() }
            landed = await withTaskGroup(of: UUID?.self) { group in
                for (action, events) in submissions {
                    group.addTask {
                        do {
                            return try await store.submit(action, events: events, idempotencyKey: nil).action.id
                        } catch StoreError.unavailable(let message) {
                            #expect(message == "the store is shut down")
                        } catch {
                            Issue.record("unexpected error \(error)")
                        }
                        return nil
                    }
                }
                // Shut down once the first submits have landed, while most are still queued.
                while (try? await store.list(ActionQuery(limit: 1)).actions.isEmpty) == true {
                    try? await Task.sleep(for: .milliseconds(1))
                }
                do { try await store.shutdown() } catch { Issue.record("shutdown failed: \(error)") }
                var ids: Set<UUID> = []
                for await id in group { if let id { ids.insert(id) } }
                return ids
            }
        }
        #expect(!landed.isEmpty)
        // Whatever was acknowledged is in the file, nothing else is.
        try await SQLiteTestDatabase.withRawConnection(path) { conn in
            let stored = try await conn.query("SELECT id FROM actions").compactMap { $0.column("id")?.string }
            #expect(Set(stored) == Set(landed.map { $0.uuidString.lowercased() }))
        }
    }

    // MARK: concurrency

    @Test func concurrentSubmitsFromManyTasksAllLand() async throws {
        try await SQLiteTestDatabase.withStore { store, _ in
            let tasks = 64
            let perTask = 10
            let created = try await withThrowingTaskGroup(of: Int.self) { group in
                for t in 0..<tasks {
                    group.addTask {
                        var count = 0
                        for i in 0..<perTask {
                            let (action, events) = StoreFixtures.action(
                                status: i % 2 == 0 ? .pendingApproval : .allowed,
                                agent: "agent-\(t)"
                            )
                            if try await store.submit(action, events: events, idempotencyKey: "k-\(t)-\(i)").created {
                                count += 1
                            }
                            // Reads run beside the writes.
                            #expect(try await store.action(id: action.id) != nil)
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(created == tasks * perTask)
            #expect(try await store.pendingApprovalCount() == tasks * perTask / 2)
            var listed = 0
            var query = ActionQuery(limit: 100)
            while true {
                let page = try await store.list(query)
                listed += page.actions.count
                guard let next = page.nextCursor else { break }
                query.cursor = next
            }
            #expect(listed == tasks * perTask)
            // The global cursor is gap-free and ascending: SQLite commits seqs in order.
            let all = try await store.events(after: 0, limit: 10_000)
            #expect(all.map(\.seq) == Array(1...Int64(tasks * perTask * 2)))
        }
    }

    @Test func theDoorbellRingsAfterEveryCommit() async throws {
        try await SQLiteTestDatabase.withStore { store, _ in
            let seqs = store.eventSeqs()
            var iterator = seqs.makeAsyncIterator()
            let (action, events) = StoreFixtures.action(status: .pendingApproval)
            _ = try await store.submit(action, events: events, idempotencyKey: "bell")
            let submitted = try await store.events(actionID: action.id)
            let afterSubmit = await iterator.next()
            #expect(afterSubmit == submitted.last?.seq)

            // A replay and a refused transition change nothing and ring nothing.
            let retry = StoreFixtures.action(status: .pendingApproval)
            _ = try await store.submit(retry.action, events: retry.events, idempotencyKey: "bell")
            _ = try await store.transition(action.id, StoreFixtures.request(.approve))
            await #expect(throws: StoreError.self) {
                _ = try await store.transition(action.id, StoreFixtures.request(.deny))
            }
            let approved = try await store.events(actionID: action.id)
            let afterApprove = await iterator.next()
            #expect(afterApprove == approved.last?.seq)

            // An overdue approval commits the expiry: that rings too.
            let created = WireTimestamp.now().addingTimeInterval(-100)
            let overdue = StoreFixtures.action(
                status: .pendingApproval,
                createdAt: created,
                approvalExpiresAt: created.addingTimeInterval(10)
            )
            _ = try await store.submit(overdue.action, events: overdue.events, idempotencyKey: nil)
            _ = await iterator.next()
            await #expect(throws: StoreError.self) {
                _ = try await store.transition(overdue.action.id, StoreFixtures.request(.approve))
            }
            let expired = try await store.events(actionID: overdue.action.id)
            #expect(expired.last?.type == .expired)
            let afterExpiry = await iterator.next()
            #expect(afterExpiry == expired.last?.seq)

            // A slow listener keeps only the newest seq.
            for _ in 0..<5 {
                let (a, e) = StoreFixtures.action()
                _ = try await store.submit(a, events: e, idempotencyKey: nil)
            }
            let newest = try await store.events(after: 0, limit: 1000).last?.seq
            let latest = await iterator.next()
            #expect(latest == newest)
        }
    }

    @Test func endedSubscriptionsAreDropped() async throws {
        try await SQLiteTestDatabase.withStore(.memory) { store, _ in
            do {
                let unused = store.eventSeqs()
                #expect(store.eventSeqSubscriberCount == 1)
                _ = unused
            }
            #expect(store.eventSeqSubscriberCount == 0)
            // Subscribed before the commits; the listener owns the only reference.
            var stream: AsyncStream<Int64>? = store.eventSeqs()
            let listener = Task { [stream] in
                var got: [Int64] = []
                guard let stream else { return got }
                for await seq in stream {
                    got.append(seq)
                    if seq >= 4 { break }  // two submits, two events each
                }
                return got
            }
            stream = nil
            #expect(stream == nil)
            let (first, firstEvents) = StoreFixtures.action()
            _ = try await store.submit(first, events: firstEvents, idempotencyKey: nil)
            let (second, secondEvents) = StoreFixtures.action(status: .pendingApproval)
            _ = try await store.submit(second, events: secondEvents, idempotencyKey: nil)
            let got = await listener.value
            #expect(got.last == (try await store.events(actionID: second.id).last?.seq))
            #expect(got == got.sorted())
            #expect(store.eventSeqSubscriberCount == 0)
        }
    }

    // MARK: other processes and failures

    @Test func aLockHeldElsewhereFailsWritesOnTimeAndReadsStillWork() async throws {
        let timeouts = SQLiteTimeouts(operation: .milliseconds(400), ping: .milliseconds(400), migration: .seconds(5))
        try await SQLiteTestDatabase.withStore(timeouts: timeouts) { store, path in
            let (kept, keptEvents) = StoreFixtures.action(status: .pendingApproval)
            _ = try await store.submit(kept, events: keptEvents, idempotencyKey: nil)
            let (blocked, blockedEvents) = StoreFixtures.action()
            try await SQLiteTestDatabase.withRawConnection(try #require(path)) { other in
                // Another process holds the write lock.
                _ = try await other.query("BEGIN IMMEDIATE")
                let clock = ContinuousClock()
                let start = clock.now
                do {
                    _ = try await store.submit(blocked, events: blockedEvents, idempotencyKey: nil)
                    Issue.record("the write must fail while the lock is held")
                } catch StoreError.unavailable(let message) {
                    #expect(message.contains("400 ms") || message.contains("locked"), "\(message)")
                }
                // Slack for a loaded machine; without busy_timeout it would wait forever.
                #expect(clock.now - start < .milliseconds(400) + .seconds(4))
                await #expect(throws: StoreError.self) {
                    _ = try await store.transition(kept.id, StoreFixtures.request(.approve))
                }
                // WAL readers do not wait for writers.
                #expect(try await store.action(id: kept.id)?.status == .pendingApproval)
                try await store.ping()
                _ = try await other.query("ROLLBACK")
            }
            // The abandoned write did not commit later, and the store works again.
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await store.action(id: blocked.id) == nil)
            #expect(try await store.events(actionID: blocked.id).isEmpty)
            #expect(try await store.submit(blocked, events: blockedEvents, idempotencyKey: nil).created)
            #expect(try await store.transition(kept.id, StoreFixtures.request(.approve)).status == .approved)
        }
    }

    @Test func failedStatementsRollBackTheWholeTransition() async throws {
        try await SQLiteTestDatabase.withStore { store, path in
            let (action, events) = StoreFixtures.action(status: .allowed)
            _ = try await store.submit(action, events: events, idempotencyKey: nil)
            // Break the event insert for `started`: the row update must not survive alone.
            try await SQLiteTestDatabase.withRawConnection(try #require(path)) { conn in
                _ = try await conn.query(
                    """
                    CREATE TRIGGER no_started BEFORE INSERT ON action_events WHEN NEW.event_type = 'started'
                    BEGIN SELECT RAISE(ABORT, 'no started'); END
                    """
                )
            }
            do {
                _ = try await store.transition(action.id, StoreFixtures.request(.start))
                Issue.record("the transition must fail")
            } catch StoreError.unavailable(let message) {
                #expect(message.contains("constraint"), "\(message)")
                #expect(!message.contains("no started"))
            }
            #expect(try await store.action(id: action.id) == action)
            #expect(try await store.events(actionID: action.id).count == 2)
            // Other transitions still work on the same connection (the failed one was rolled back).
            #expect(try await store.transition(action.id, StoreFixtures.request(.succeed)).status == .succeeded)
        }
    }

    @Test func textWithNULIsRefusedNotTruncated() async throws {
        try await SQLiteTestDatabase.withStore(.memory) { store, _ in
            let (action, events) = StoreFixtures.action(agent: "agent\u{0}evil")
            await #expect(throws: StoreError.self) {
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
            }
            #expect(try await store.action(id: action.id) == nil)
            // Inside JSON it is escaped and round-trips.
            let (json, jsonEvents) = StoreFixtures.action(params: .object(["nul": .string("a\u{0}b")]))
            _ = try await store.submit(json, events: jsonEvents, idempotencyKey: nil)
            #expect(try await store.action(id: json.id)?.request.params == .object(["nul": .string("a\u{0}b")]))
        }
    }

    @Test func duplicateTokenIDOrSecretReportsTheName() async throws {
        try await SQLiteTestDatabase.withStore(.memory) { store, _ in
            let first = APIToken(
                id: UUID(),
                name: "one",
                role: .agent,
                tokenHash: SHA256Hex.hash("a"),
                createdAt: WireTimestamp.now()
            )
            try await store.createToken(first)
            for clash in [
                APIToken(id: UUID(), name: "two", role: .agent, tokenHash: first.tokenHash, createdAt: first.createdAt),
                APIToken(
                    id: first.id,
                    name: "three",
                    role: .agent,
                    tokenHash: SHA256Hex.hash("b"),
                    createdAt: first.createdAt
                ),
            ] {
                do {
                    try await store.createToken(clash)
                    Issue.record("a duplicate must fail")
                } catch StoreError.duplicateToken(let name) {
                    #expect(name == clash.name)
                }
            }
            #expect(try await store.tokens() == [first])
        }
    }

    @Test func idempotencyKeysArePurgedByAge() async throws {
        try await SQLiteTestDatabase.withStore { store, _ in
            let now = WireTimestamp.now()
            let old = StoreFixtures.action(createdAt: now.addingTimeInterval(-90_000))
            let fresh = StoreFixtures.action(agent: "agent-2", createdAt: now.addingTimeInterval(-60))
            _ = try await store.submit(old.action, events: old.events, idempotencyKey: "old-key")
            _ = try await store.submit(fresh.action, events: fresh.events, idempotencyKey: "fresh-key")
            #expect(try await store.purgeIdempotencyKeys(olderThan: now.addingTimeInterval(-86_400)) == 1)
            let again = StoreFixtures.action(createdAt: now)
            #expect(try await store.submit(again.action, events: again.events, idempotencyKey: "old-key").created)
            let retry = StoreFixtures.action(agent: "agent-2", createdAt: now)
            let replay = try await store.submit(retry.action, events: retry.events, idempotencyKey: "fresh-key")
            #expect(!replay.created)
            #expect(replay.action.id == fresh.action.id)
            #expect(try await store.action(id: old.action.id) != nil)
        }
    }

    // MARK: migrations

    @Test func twoStoresMigratingOneFileApplyEachVersionOnce() async throws {
        let root = SQLiteTestDatabase.temporaryDirectory()
        defer { SQLiteTestDatabase.remove(root) }
        let path = root + "/actions.db"
        let stores = try await withThrowingTaskGroup(of: SQLiteActionStore.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    try await SQLiteActionStore(
                        path: path,
                        timeouts: SQLiteTestDatabase.timeouts,
                        logger: SQLiteTestDatabase.logger
                    )
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var failure: (any Error)?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores { group.addTask { try await store.migrate() } }
                try await group.waitForAll()
            }
            for store in stores { #expect(try await store.migrationsCurrent()) }
        } catch {
            failure = error
        }
        for store in stores { try await store.shutdown() }
        if let failure { throw failure }
        let bundled = try SQLiteMigrator.bundled().migrations
        try await SQLiteTestDatabase.withRawConnection(path) { conn in
            let rows = try await conn.query(
                "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version"
            )
            #expect(rows.map { $0.column("version")?.integer } == bundled.map { $0.version })
            #expect(rows.map { $0.column("name")?.string } == bundled.map { $0.name })
            #expect(rows.map { $0.column("checksum")?.string } == bundled.map { $0.checksum })
            #expect(rows.allSatisfy { ($0.column("applied_at")?.integer ?? 0) > 1_700_000_000_000_000 })
        }
    }

    @Test func bundledMigrationsAreNumberedAndSplit() throws {
        let migrator = try SQLiteMigrator.bundled()
        #expect(migrator.migrations.first?.version == 1)
        #expect(migrator.migrations.first?.name == "initial")
        let versions = migrator.migrations.map(\.version)
        #expect(versions == Array(1...versions.count))
        let statements = SQLiteScript.statements(in: migrator.migrations[0].sql)
        #expect(statements.contains { $0.hasPrefix("CREATE TABLE actions") })
        #expect(statements.contains { $0.hasPrefix("CREATE TABLE action_events") })
        #expect(statements.allSatisfy { !$0.hasPrefix("--") && !$0.contains(";") })
        #expect(MigrationFile.parseFileName("0012_add_things.sql")! == (12, "add_things"))
        #expect(MigrationFile.parseFileName("12.sql") == nil)
        #expect(MigrationFile.parseFileName("x_12.sql") == nil)
    }

    @Test func splitsStatementsRespectingQuotesCommentsAndTriggers() {
        let script = """
            -- header; with a semicolon
            CREATE TABLE a (x TEXT DEFAULT 'a;b', "we;ird" INT, `b;q` INT, [s;q] INT); /* block; comment */
            INSERT INTO a VALUES ('it''s; fine', 1, 2, 3);
            CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN
                UPDATE a SET x = CASE WHEN x = 'end;' THEN 'y' ELSE x END;
                DELETE FROM a WHERE x = 'z';
            END;
            ;  -- empty
            SELECT 1
            -- trailing comment only
            """
        let statements = SQLiteScript.statements(in: script)
        #expect(statements.count == 4)
        #expect(statements[0] == "CREATE TABLE a (x TEXT DEFAULT 'a;b', \"we;ird\" INT, `b;q` INT, [s;q] INT)")
        #expect(statements[1] == "INSERT INTO a VALUES ('it''s; fine', 1, 2, 3)")
        #expect(statements[2].hasPrefix("CREATE TEMP TRIGGER t AFTER INSERT ON a BEGIN"))
        #expect(statements[2].hasSuffix("DELETE FROM a WHERE x = 'z';\nEND"))
        #expect(statements[3] == "SELECT 1")
    }

    @Test func prefixBecomesAnIDRange() throws {
        let range = try #require(ActionIDPrefix.textRange("ABCDEF01-23"))
        #expect(range.lowerBound == "abcdef01-2300-0000-0000-000000000000")
        #expect(range.upperBound == "abcdef01-23ff-ffff-ffff-ffffffffffff")
        #expect(ActionIDPrefix.textRange("abcdef0123") == nil)
        #expect(ActionIDPrefix.textRange("abcdefg1") == nil)
        #expect(ActionIDPrefix.textRange("") == nil)
        #expect(ActionIDPrefix.textRange("１２３４５６７８") == nil)
        let full = "abcdef01-2345-4789-8bcd-ef0123456789"
        let exact = try #require(ActionIDPrefix.textRange(full.uppercased()))
        #expect(exact.lowerBound == full && exact.upperBound == full)
    }

    private static func expectShutDown(
        sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record("expected StoreError.unavailable", sourceLocation: sourceLocation)
        } catch StoreError.unavailable(let message) {
            #expect(message == "the store is shut down", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected StoreError.unavailable, got \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// Fresh SQLite stores for tests: a new temporary directory per store, removed afterwards.
enum SQLiteTestDatabase {
    enum Variant: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case file, memory
        var testDescription: String { rawValue }
    }

    static let logger: Logger = {
        var logger = Logger(label: "faramesh.store.sqlite.test")
        logger.logLevel = .critical
        return logger
    }()

    /// Generous limits: tests run in parallel on a small machine with fsync on.
    static let timeouts = SQLiteTimeouts(operation: .seconds(30), ping: .seconds(10), migration: .seconds(60))

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent(
            "faramesh-sqlite-\(UUID().uuidString.lowercased())"
        ).path
    }

    static func remove(_ directory: String) {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` with a fresh store (migrated unless told otherwise) and its file path (nil in
    /// memory), then shuts it down and deletes its files.
    static func withStore(
        _ variant: Variant = .file,
        migrated: Bool = true,
        timeouts: SQLiteTimeouts = timeouts,
        _ body: @Sendable (SQLiteActionStore, _ path: String?) async throws -> Void
    ) async throws {
        let root = temporaryDirectory()
        defer { remove(root) }
        let store: SQLiteActionStore
        switch variant {
        case .file: store = try await SQLiteActionStore(path: root + "/actions.db", timeouts: timeouts, logger: logger)
        case .memory: store = try await SQLiteActionStore.inMemory(timeouts: timeouts, logger: logger)
        }
        try await closing(store) {
            if migrated { try await store.migrate() }
            try await body(store, store.path)
        }
    }

    /// Runs `body`, then shuts `store` down whatever happened.
    static func closing(_ store: SQLiteActionStore, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            try? await store.shutdown()
            throw error
        }
        try await store.shutdown()
    }

    /// A plain connection to the file, as another process would have (closed afterwards).
    static func withRawConnection(_ path: String, _ body: (SQLiteConnection) async throws -> Void) async throws {
        let conn = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        do {
            _ = try await conn.query("PRAGMA busy_timeout = 10000")
            try await body(conn)
        } catch {
            try? await conn.close()
            throw error
        }
        try await conn.close()
    }
}
