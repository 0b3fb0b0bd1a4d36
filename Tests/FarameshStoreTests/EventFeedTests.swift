import FarameshCore
import FarameshStore
import FarameshStoreSQLite
import FarameshTestSupport
import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import FarameshStorePostgres

/// The live event feed (`EventFeed`): the pure gap walk, PostgreSQL's out-of-order commits and
/// rolled-back seqs, the head position, the LISTEN doorbell (including a killed connection),
/// and the SQLite feed.
@Suite("EventFeed")
struct EventFeedTests {
    // MARK: StableEventWalk (pure)

    static func entry(_ seq: Int64) -> EventFeedEntry {
        let id = UUID()
        let event = ActionEvent(
            id: UUID(),
            actionID: id,
            type: .started,
            meta: .object([:]),
            actor: "t",
            createdAt: Date(timeIntervalSince1970: 0),
            prevHash: nil,
            recordHash: "h",
            seq: seq
        )
        return EventFeedEntry(
            event: event,
            agentID: "a",
            tool: "t",
            operation: "o",
            riskLevel: .low,
            actionStatus: .executing,
            actionDecision: .allow,
            actionReason: "r"
        )
    }

    static func seqs(_ entries: [EventFeedEntry]) -> [Int64] { entries.map(\.event.seq) }

    @Test func walkDeliversConsecutiveSeqs() {
        let walk = StableEventWalk.advance(
            EventFeedPosition(cursor: 4),
            rows: [5, 6, 7].map(Self.entry),
            full: false,
            horizonPassed: false
        )
        #expect(Self.seqs(walk.deliver) == [5, 6, 7])
        #expect(walk.position == EventFeedPosition(cursor: 7))
    }

    @Test func walkStopsAtAGapAndHoldsBelowTheHighestVisibleSeq() {
        let walk = StableEventWalk.advance(
            EventFeedPosition(cursor: 4),
            rows: [5, 7, 9].map(Self.entry),
            full: false,
            horizonPassed: false
        )
        #expect(Self.seqs(walk.deliver) == [5])
        #expect(walk.position == EventFeedPosition(cursor: 5, hold: EventFeedHold(below: 10)))
    }

    @Test func walkKeepsAnUnresolvedHoldWithItsHorizon() {
        let held = EventFeedPosition(cursor: 5, hold: EventFeedHold(below: 10, horizon: 77))
        let walk = StableEventWalk.advance(held, rows: [7, 9, 10].map(Self.entry), full: false, horizonPassed: false)
        #expect(walk.deliver.isEmpty)
        #expect(walk.position == held)
    }

    @Test func walkPassesRolledBackSeqsOnceTheHorizonPassed() {
        let held = EventFeedPosition(cursor: 5, hold: EventFeedHold(below: 10, horizon: 77))
        // 6 and 8 never committed; 11 is missing too but above the hold: a new gap.
        let walk = StableEventWalk.advance(
            held,
            rows: [7, 9, 10, 12].map(Self.entry),
            full: false,
            horizonPassed: true
        )
        #expect(Self.seqs(walk.deliver) == [7, 9, 10])
        #expect(walk.position == EventFeedPosition(cursor: 10, hold: EventFeedHold(below: 13)))
    }

    @Test func walkSkipsARolledBackTailOnlyWhenTheReadWasComplete() {
        let held = EventFeedPosition(cursor: 5, hold: EventFeedHold(below: 10, horizon: 77))
        let complete = StableEventWalk.advance(held, rows: [6].map(Self.entry), full: false, horizonPassed: true)
        #expect(complete.position == EventFeedPosition(cursor: 9))
        // A read cut by its limit may have left visible rows below `below` unread.
        let cut = StableEventWalk.advance(held, rows: [6].map(Self.entry), full: true, horizonPassed: true)
        #expect(Self.seqs(cut.deliver) == [6])
        #expect(cut.position == EventFeedPosition(cursor: 6))
    }

    @Test func walkWithAFilledGapDropsTheHold() {
        let held = EventFeedPosition(cursor: 5, hold: EventFeedHold(below: 10, horizon: nil))
        let walk = StableEventWalk.advance(held, rows: [6, 7, 8, 9].map(Self.entry), full: false, horizonPassed: false)
        #expect(Self.seqs(walk.deliver) == [6, 7, 8, 9])
        #expect(walk.position == EventFeedPosition(cursor: 9))
    }

    // MARK: PostgreSQL

    static func submit(_ store: some ActionStore, status: ActionStatus = .allowed) async throws -> Action {
        let made = StoreFixtures.action(status: status)
        return try await store.submit(made.action, events: made.events, idempotencyKey: nil).action
    }

    @Test func postgresHoldsBackALateCommitThenDeliversBothInOrder() async throws {
        try await PostgresTestDatabase.withStore(privateChannel: true) { store, _ in
            let a = try await Self.submit(store)
            let b = try await Self.submit(store)
            let start = try await store.headPosition()
            #expect(start.cursor == 4)

            let writer = try await OpenEventWriter.start(store, actionID: a.id, logger: PostgresTestDatabase.logger)
            #expect(writer.seq == 5)
            _ = try await store.transition(b.id, StoreFixtures.request(.start))  // seq 6, committed first

            var batch = try await store.stableEvents(after: start, limit: 100)
            #expect(batch.entries.isEmpty)
            #expect(batch.position.cursor == 4)
            #expect(batch.position.hold == EventFeedHold(below: 7))
            // A horizon fixed while the writer runs does not let the read pass the gap.
            var position = try await store.fixHorizon(of: batch.position)
            #expect(position.hold?.horizon != nil)
            batch = try await store.stableEvents(after: position, limit: 100)
            #expect(batch.entries.isEmpty)
            #expect(batch.position == position)

            try await writer.finish(commit: true)
            batch = try await store.stableEvents(after: batch.position, limit: 100)
            #expect(Self.seqs(batch.entries) == [5, 6])
            #expect(batch.entries.map(\.event.type) == [.started, .started])
            #expect(batch.entries.map(\.event.actionID) == [a.id, b.id])
            #expect(batch.position == EventFeedPosition(cursor: 6))
            position = batch.position
            batch = try await store.stableEvents(after: position, limit: 100)
            #expect(batch.entries.isEmpty)
        }
    }

    @Test func postgresPassesARolledBackSeqOnlyAfterItsWriterEnded() async throws {
        try await PostgresTestDatabase.withStore(privateChannel: true) { store, _ in
            let a = try await Self.submit(store)
            let b = try await Self.submit(store)
            let start = try await store.headPosition()
            let writer = try await OpenEventWriter.start(store, actionID: a.id, logger: PostgresTestDatabase.logger)
            _ = try await store.transition(b.id, StoreFixtures.request(.start))

            let held = try await store.stableEvents(after: start, limit: 100)
            #expect(held.entries.isEmpty)
            try await writer.finish(commit: false)
            // Without a horizon the gap stays closed: the read cannot know the writer is gone.
            let still = try await store.stableEvents(after: held.position, limit: 100)
            #expect(still.entries.isEmpty)
            let fixed = try await store.fixHorizon(of: still.position)
            // Transaction ids are cluster-wide: other tests' open transactions can keep the
            // horizon from passing for a moment, so read until it has.
            var passed = try await store.stableEvents(after: fixed, limit: 100)
            let started = ContinuousClock.now
            while passed.entries.isEmpty && ContinuousClock.now - started < .seconds(20) {
                #expect(passed.position == fixed)
                try await Task.sleep(for: .milliseconds(20))
                passed = try await store.stableEvents(after: fixed, limit: 100)
            }
            #expect(Self.seqs(passed.entries) == [6])
            #expect(passed.position == EventFeedPosition(cursor: 6))
        }
    }

    @Test func postgresHeadPositionWaitsForWritersThatMayOwnLowerSeqs() async throws {
        try await PostgresTestDatabase.withStore(privateChannel: true) { store, _ in
            let a = try await Self.submit(store)
            let b = try await Self.submit(store)
            let writer = try await OpenEventWriter.start(store, actionID: a.id, logger: PostgresTestDatabase.logger)
            _ = try await store.transition(b.id, StoreFixtures.request(.start))
            let head = Task { try await store.headPosition() }
            try await Task.sleep(for: .milliseconds(300))
            let committed = Task { try await writer.finish(commit: true) }
            let position = try await head.value
            try await committed.value
            #expect(position == EventFeedPosition(cursor: 6))
            // Everything at or below the head is visible now: the range read is exact.
            #expect(
                Self.seqs(try await store.entries(after: 0, through: position.cursor, limit: 100)) == [
                    1, 2, 3, 4, 5, 6,
                ]
            )
        }
    }

    @Test func postgresEntriesCarryActionFields() async throws {
        try await PostgresTestDatabase.withStore(privateChannel: true) { store, _ in
            let a = try await Self.submit(store, status: .pendingApproval)
            _ = try await store.transition(a.id, StoreFixtures.request(.deny, reason: "no"))
            let entries = try await store.entries(after: 0, through: 10, limit: 10)
            #expect(entries.map(\.event.type) == [.created, .decisionMade, .denied])
            for entry in entries {
                #expect(entry.agentID == "agent-1")
                #expect(entry.tool == "shell")
                #expect(entry.operation == "run")
                #expect(entry.actionStatus == .denied)
                #expect(entry.actionDecision == .deny)
                #expect(entry.actionReason == "no")
            }
            #expect(Self.seqs(try await store.entries(after: 1, through: 2, limit: 10)) == [2])
        }
    }

    /// Collects doorbell signals in order.
    final class Signals: Sendable {
        private let state = Mutex<[EventFeedSignal]>([])
        func append(_ signal: EventFeedSignal) { self.state.withLock { $0.append(signal) } }
        var all: [EventFeedSignal] { self.state.withLock { $0 } }

        func wait(until condition: ([EventFeedSignal]) -> Bool, timeout: Duration = .seconds(20)) async throws {
            let started = ContinuousClock.now
            while !condition(self.all) {
                if ContinuousClock.now - started > timeout { throw TimedOut(signals: self.all) }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        struct TimedOut: Error, CustomStringConvertible {
            var signals: [EventFeedSignal]
            var description: String { "timed out; signals so far: \(self.signals)" }
        }
    }

    @Test func postgresDoorbellRingsAndReconnectsAfterItsConnectionIsKilled() async throws {
        try await PostgresTestDatabase.withStore(privateChannel: true) { store, schema in
            let signals = Signals()
            let follower = Task { try await store.followCommits { signals.append($0) } }
            defer { follower.cancel() }
            try await signals.wait { $0.contains(.connected) }
            _ = try await Self.submit(store)
            try await signals.wait { $0.contains(.commit(2)) }

            // Kill the listening backend (what a PostgreSQL restart or a cut network does to it).
            let killed = try await store.client.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE pid <> pg_backend_pid() AND query ILIKE \("LISTEN%" + schema + "%")
                """,
                logger: PostgresTestDatabase.logger
            ).drain()
            #expect(killed == 1)
            try await signals.wait { $0.contains { if case .disconnected = $0 { return true } else { return false } } }
            try await signals.wait { $0.filter { $0 == .connected }.count == 2 }
            _ = try await Self.submit(store)
            try await signals.wait { $0.contains(.commit(4)) }
            follower.cancel()
            _ = try? await follower.value
        }
    }

    // MARK: SQLite

    @Test func sqliteFeedReadsInOrderAndRingsItsDoorbell() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "faramesh-feed-" + UUID().uuidString
        )
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await SQLiteActionStore(path: directory.appendingPathComponent("feed.db").path)
        do {
            try await store.migrate()
            #expect(try await store.headPosition() == EventFeedPosition(cursor: 0))
            let signals = Signals()
            let follower = Task { try await store.followCommits { signals.append($0) } }
            try await signals.wait { $0.contains(.connected) }
            let a = try await Self.submit(store, status: .pendingApproval)
            _ = try await store.transition(a.id, StoreFixtures.request(.approve))
            try await signals.wait { $0.contains(.commit(3)) }

            let batch = try await store.stableEvents(after: EventFeedPosition(cursor: 0), limit: 2)
            #expect(Self.seqs(batch.entries) == [1, 2])
            #expect(batch.full)
            let rest = try await store.stableEvents(after: batch.position, limit: 10)
            #expect(Self.seqs(rest.entries) == [3])
            #expect(rest.entries.first?.actionStatus == .approved)
            #expect(!rest.full)
            #expect(try await store.headPosition() == EventFeedPosition(cursor: 3))
            #expect(Self.seqs(try await store.entries(after: 1, through: 3, limit: 10)) == [2, 3])
            follower.cancel()
            _ = try? await follower.value
        } catch {
            try? await store.shutdown()
            throw error
        }
        try await store.shutdown()
    }
}
