import FarameshAPI
import FarameshCore
import FarameshStore
import FarameshStorePostgres
import FarameshTestSupport
import Foundation
import NIOCore
import PostgresNIO
import Synchronization
import Testing

@testable import FarameshServer

/// The event hub over a real PostgreSQL schema: out-of-order commits held back and then
/// delivered in order exactly once, rolled-back seqs, resume from memory and from the store,
/// slow clients, the client limit, frame contents for every event type, filters, readiness.
@Suite("EventHub")
struct EventHubTests {
    struct Fixture: Sendable {
        let store: any ActionStore & EventFeed
        let hub: EventHub
        let policy: PolicyRuntime
        let readiness: Readiness
        let metrics: ServerMetrics

        /// The store as PostgreSQL, for the tests of PostgreSQL's feed (open transactions, LISTEN).
        var postgres: PostgresActionStore {
            get throws {
                guard let store = self.store as? PostgresActionStore else {
                    throw HarnessError("not a PostgreSQL store")
                }
                return store
            }
        }

        /// Submits an action decided by the test policy (http/get allowed, shell held, rest denied).
        @discardableResult
        func submit(tool: String = "http", operation: String = "get", agent: String = "agent-1") async throws -> Action
        {
            let request = ActionRequest(agentID: agent, tool: tool, operation: operation)
            let made = ActionSubmission.make(
                request: request,
                decision: self.policy.decide(request),
                actor: "agent-1",
                at: WireTimestamp.now(),
                defaultApprovalTimeout: .seconds(3600)
            )
            return try await self.store.submit(made.action, events: made.events, idempotencyKey: nil).action
        }

        /// Like the API: the event meta carries the caller's reason (or null).
        func transition(_ id: UUID, _ transition: ActionTransition, reason: String? = nil) async throws -> Action {
            try await self.store.transition(
                id,
                TransitionRequest(
                    transition: transition,
                    actor: "approver-1",
                    reason: reason,
                    meta: .object(["reason": reason.map(JSONValue.string) ?? .null]),
                    now: WireTimestamp.now()
                )
            )
        }

        /// Waits until the hub has delivered everything up to `seq` (a new subscriber without
        /// Last-Event-ID starts after what its replica has delivered).
        func settled(_ seq: Int64) async throws {
            try await EventHubTests.eventually("hub cursor \(seq)") { self.hub.cursor >= seq }
        }
    }

    static func run(
        configure: @Sendable (inout EventHubConfiguration) -> Void = { _ in },
        _ body: @Sendable (Fixture) async throws -> Void
    ) async throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = try ServerHarness.configuration(directory: directory)
        try await ServerHarness.withStore { store in
            var hubConfiguration = EventHubConfiguration(heartbeat: .seconds(30), gapGrace: .milliseconds(20))
            configure(&hubConfiguration)
            let metrics = ServerMetrics()
            let readiness = Readiness()
            let hub = EventHub(
                feed: store,
                configuration: hubConfiguration,
                metrics: metrics,
                readiness: readiness,
                logger: ServerHarness.logger
            )
            let policy = try PolicyRuntime(configuration: configuration, metrics: metrics, logger: ServerHarness.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await hub.run() }
                defer { group.cancelAll() }
                try await Self.eventually { hub.isStarted && readiness.eventFeedReady }
                try await body(Fixture(store: store, hub: hub, policy: policy, readiness: readiness, metrics: metrics))
            }
        }
    }

    struct TimedOut: Error, CustomStringConvertible {
        var description: String
    }

    static func eventually(
        _ what: String = "condition",
        timeout: Duration = .seconds(20),
        _ condition: @Sendable () async throws -> Bool
    ) async throws {
        let started = ContinuousClock.now
        while !(try await condition()) {
            if ContinuousClock.now - started > timeout { throw TimedOut(description: "timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// One parsed SSE frame.
    struct Frame: Sendable {
        var id: Int64
        var message: EventStreamMessage
        var raw: String
    }

    static func parse(_ text: String) throws -> [Frame] {
        var frames: [Frame] = []
        for block in text.components(separatedBy: "\n\n") where block.contains("data: ") {
            var id: Int64?
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = Int64(line.dropFirst(4)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard let id else { throw TimedOut(description: "frame without id: \(block)") }
            frames.append(
                Frame(id: id, message: try EventStreamMessage(json: try JSONParser.parse(Array(data.utf8))), raw: block)
            )
        }
        return frames
    }

    /// Reads frames from a subscriber until `count` arrived (heartbeats are skipped).
    static func frames(
        _ subscriber: EventSubscriber,
        count: Int,
        timeout: Duration = .seconds(20)
    ) async throws -> [Frame] {
        var frames: [Frame] = []
        let started = ContinuousClock.now
        while frames.count < count {
            let left = timeout - (ContinuousClock.now - started)
            guard left > .zero else { throw TimedOut(description: "got \(frames.map(\.id)), wanted \(count) frames") }
            guard let item = try await Self.next(subscriber, within: left) else { continue }
            switch item {
            case .frames(let buffer, _):
                frames += try Self.parse(String(buffer: buffer))
            case .heartbeat:
                continue
            case .closed(let reason):
                throw TimedOut(description: "subscriber closed (\(reason)) after \(frames.map(\.id))")
            }
        }
        return frames
    }

    /// The next item, or nil when nothing but heartbeats came within `limit`.
    static func next(_ subscriber: EventSubscriber, within limit: Duration) async throws -> EventSubscriber.Item? {
        try await withThrowingTaskGroup(of: EventSubscriber.Item?.self) { group in
            group.addTask { await subscriber.next() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    /// Expects no frame within `quiet` (heartbeats allowed).
    static func expectNoFrames(_ subscriber: EventSubscriber, for quiet: Duration) async throws {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < quiet {
            let item = try await Self.next(subscriber, within: quiet - (ContinuousClock.now - started))
            if case .frames(let buffer, _)? = item {
                Issue.record("unexpected frames: \(String(buffer: buffer))")
                return
            }
            if case .closed(let reason)? = item {
                Issue.record("subscriber closed: \(reason)")
                return
            }
        }
    }

    // MARK: out-of-order commits

    @Test func lateCommitIsHeldBackThenBothArriveInOrderExactlyOnce() async throws {
        try await Self.run { f in
            let a = try await f.submit(tool: "shell", operation: "run")  // seqs 1, 2
            let b = try await f.submit()  // seqs 3, 4
            try await f.settled(4)
            let subscription = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil)
            let subscriber = subscription.subscriber
            #expect(f.hub.cursor == 4)

            // seq 5, uncommitted
            let writer = try await OpenEventWriter.start(try f.postgres, actionID: a.id, logger: ServerHarness.logger)
            #expect(writer.seq == 5)
            _ = try await f.transition(b.id, .start)  // seq 6, committed (and notified)
            // The hub sees 6 but not 5: it must hold 6 back.
            try await Self.expectNoFrames(subscriber, for: .milliseconds(500))
            #expect(f.hub.cursor == 4)

            try await writer.finish(commit: true)
            let frames = try await Self.frames(subscriber, count: 2)
            #expect(frames.map(\.id) == [5, 6])
            #expect(frames.map(\.message.data.id) == [a.id.uuidString.lowercased(), b.id.uuidString.lowercased()])
            #expect(frames.map(\.message.type) == ["action.started", "action.started"])
            // Exactly once: nothing follows, and a new subscriber resuming at 4 gets the same two.
            try await Self.expectNoFrames(subscriber, for: .milliseconds(300))
            let resumed = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: 4)
            #expect(resumed.catchUp == nil)
            #expect(try await Self.frames(resumed.subscriber, count: 2).map(\.id) == [5, 6])
            try await Self.expectNoFrames(resumed.subscriber, for: .milliseconds(200))
            #expect(f.hub.cursor == 6)
        }
    }

    @Test func rolledBackSeqDoesNotStallDelivery() async throws {
        try await Self.run { f in
            let a = try await f.submit(tool: "shell", operation: "run")
            let b = try await f.submit()
            try await f.settled(4)
            let subscriber = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil).subscriber
            let writer = try await OpenEventWriter.start(try f.postgres, actionID: a.id, logger: ServerHarness.logger)
            _ = try await f.transition(b.id, .start)  // seq 6
            try await Self.expectNoFrames(subscriber, for: .milliseconds(300))
            let rolledBack = ContinuousClock.now
            try await writer.finish(commit: false)  // seq 5 never appears
            let frames = try await Self.frames(subscriber, count: 1)
            #expect(frames.map(\.id) == [6])
            #expect(ContinuousClock.now - rolledBack < .seconds(10))
            _ = try await f.transition(b.id, .succeed)  // seq 7
            #expect(try await Self.frames(subscriber, count: 1).map(\.id) == [7])
        }
    }

    // MARK: resume

    @Test func resumeComesFromMemoryOrFromTheStoreWithoutGapsOrRepeats() async throws {
        try await Self.run(configure: {
            $0.replayCapacity = 4
            $0.clientBuffer = 4
        }) { f in
            let live = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil).subscriber
            var seen: [Int64] = []
            for _ in 0..<5 {  // seqs 1…10
                try await f.submit()
                seen += try await Self.frames(live, count: 2).map(\.id)
            }
            #expect(seen == Array(1...10))

            // Seven events back: 7…10 are in memory, 4…6 come from the store.
            let old = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: 3)
            #expect(old.catchUp?.after == 3)
            #expect(old.catchUp?.through == 6)
            #expect(try await Self.frames(old.subscriber, count: 4).map(\.id) == [7, 8, 9, 10])
            let fromStore = try await f.store.entries(after: 3, through: 6, limit: 100)
            #expect(fromStore.map(\.event.seq) == [4, 5, 6])

            // Recent: memory only.
            let recent = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: 8)
            #expect(recent.catchUp == nil)
            #expect(try await Self.frames(recent.subscriber, count: 2).map(\.id) == [9, 10])

            // A client that has seen more than this replica (it came from a faster one) gets
            // only what follows its own id.
            let ahead = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: 12)
            #expect(ahead.catchUp == nil)
            try await Self.expectNoFrames(ahead.subscriber, for: .milliseconds(200))
            try await f.submit()  // 11, 12
            #expect(try await Self.frames(recent.subscriber, count: 2).map(\.id) == [11, 12])
            try await f.submit()  // 13, 14
            #expect(try await Self.frames(ahead.subscriber, count: 2).map(\.id) == [13, 14])
            #expect(try await Self.frames(recent.subscriber, count: 2).map(\.id) == [13, 14])
        }
    }

    // MARK: slow clients and limits

    @Test func slowClientIsDisconnectedWithoutDelayingOthers() async throws {
        try await Self.run(configure: { $0.clientBuffer = 3 }) { f in
            let stuck = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil).subscriber
            let reader = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil).subscriber
            var seen: [Int64] = []
            for _ in 0..<6 {
                try await f.submit()
                seen += try await Self.frames(reader, count: 2).map(\.id)
            }
            #expect(seen == Array(1...12))
            #expect(stuck.closeReason == .tooSlow)
            #expect(f.hub.clientCount == 1)
            let exposition = String(decoding: f.metrics.exposition(), as: UTF8.self)
            #expect(exposition.contains(#"faramesh_sse_disconnects_total{reason="too_slow"} 1"#))
            // The dropped client resumes where it stopped and gets the rest.
            let again = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: 2)
            #expect(again.catchUp == nil)
            #expect(try await Self.frames(again.subscriber, count: 10).map(\.id) == Array(3...12))
        }
    }

    @Test func clientLimitIsPerReplica() async throws {
        try await Self.run(configure: { $0.maxClients = 2 }) { f in
            let first = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil)
            _ = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil)
            await #expect(throws: EventHub.SubscribeError.self) {
                _ = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil)
            }
            f.hub.remove(first.subscriber)
            _ = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil)
            #expect(f.hub.clientCount == 2)
        }
    }

    // MARK: frames

    @Test func everyEventTypeIsSentWithTheStatusAfterIt() async throws {
        try await Self.run { f in
            let subscriber = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil).subscriber
            let approved = try await f.submit(tool: "shell", operation: "run")
            _ = try await f.transition(approved.id, .approve, reason: "fine")
            _ = try await f.transition(approved.id, .start)
            _ = try await f.transition(approved.id, .succeed, reason: "done")
            let denied = try await f.submit(tool: "shell", operation: "run")
            _ = try await f.transition(denied.id, .deny)
            let failed = try await f.submit()
            _ = try await f.transition(failed.id, .start)
            _ = try await f.transition(failed.id, .fail, reason: "boom")
            let timedOut = try await f.submit()
            _ = try await f.transition(timedOut.id, .start)
            _ = try await f.transition(timedOut.id, .timeOut)
            let expired = try await f.submit(tool: "shell", operation: "run")
            _ = try await f.store.expireDue(now: Date().addingTimeInterval(7200), limit: 10)
            let halted = try await f.submit(tool: "files", operation: "rm")

            let frames = try await Self.frames(subscriber, count: 21)
            #expect(frames.map(\.id) == Array(1...21))
            func summary(_ id: UUID) -> [String] {
                frames.filter { $0.message.data.id == id.uuidString.lowercased() }
                    .map {
                        "\($0.message.type) \($0.message.data.status.rawValue) \($0.message.data.decision.rawValue)"
                    }
            }
            #expect(
                summary(approved.id) == [
                    "action.created pending_approval require_approval",
                    "action.decision_made pending_approval require_approval",
                    "action.approved approved allow", "action.started executing allow",
                    "action.succeeded succeeded allow",
                ]
            )
            #expect(
                summary(denied.id) == [
                    "action.created pending_approval require_approval",
                    "action.decision_made pending_approval require_approval",
                    "action.denied denied deny",
                ]
            )
            #expect(
                summary(failed.id) == [
                    "action.created allowed allow", "action.decision_made allowed allow",
                    "action.started executing allow", "action.failed failed allow",
                ]
            )
            #expect(summary(timedOut.id).last == "action.timeout timeout allow")
            #expect(summary(expired.id).last == "action.expired expired require_approval")
            #expect(summary(halted.id) == ["action.created denied deny", "action.decision_made denied deny"])

            let byType = Dictionary(frames.map { ($0.message.type + " " + $0.message.data.id, $0.message.data) }) {
                a,
                _ in a
            }
            let approvedKey = approved.id.uuidString.lowercased()
            #expect(byType["action.approved " + approvedKey]?.reason == "fine")
            #expect(byType["action.approved " + approvedKey]?.actor == "approver-1")
            #expect(byType["action.created " + approvedKey]?.reason == "Shell commands require approval")
            #expect(
                byType["action.denied " + denied.id.uuidString.lowercased()]?.reason
                    == ActionTransition.deny.defaultReason
            )
            #expect(
                frames.allSatisfy { $0.message.timestamp == $0.message.data.createdAt && $0.message.data.seq == $0.id }
            )
            // Approval tokens never appear in frames.
            for token in [approved.approvalToken, denied.approvalToken, expired.approvalToken].compactMap({ $0 }) {
                #expect(!frames.contains { $0.raw.contains(token) })
            }
        }
    }

    @Test func filtersSelectByAgentToolStatusTypeAndAction() async throws {
        try await Self.run { f in
            func subscribe(_ query: String) async throws -> EventSubscriber {
                let filter = try EventStreamFilter.parse(rawQuery: query).filter
                return try await f.hub.subscribe(filter: filter, lastEventID: nil).subscriber
            }
            let byAgent = try await subscribe("agent_id=agent-2")
            let byTool = try await subscribe("tool=shell,files")
            let byStatus = try await subscribe("status=executing")
            let byType = try await subscribe("event_type=created")
            let one = try await f.submit(agent: "agent-2")  // 1, 2
            try await f.settled(2)
            let byAction = try await subscribe("action_id=\(one.id.uuidString.lowercased())")
            let held = try await f.submit(tool: "shell", operation: "run")  // 3, 4
            _ = try await f.transition(one.id, .start)  // 5
            _ = try await f.transition(held.id, .deny)  // 6
            #expect(try await Self.frames(byAgent, count: 3).map(\.id) == [1, 2, 5])
            #expect(try await Self.frames(byTool, count: 3).map(\.id) == [3, 4, 6])
            #expect(try await Self.frames(byStatus, count: 1).map(\.id) == [5])
            #expect(try await Self.frames(byType, count: 2).map(\.id) == [1, 3])
            #expect(try await Self.frames(byAction, count: 1).map(\.id) == [5])
            #expect(throws: WireValidationError.self) { try EventStreamFilter.parse(rawQuery: "status=nope") }
            #expect(throws: WireValidationError.self) { try EventStreamFilter.parse(rawQuery: "colour=red") }
            #expect(throws: WireValidationError.self) { try EventStreamFilter.parse(rawQuery: "last_event_id=-3") }
            #expect(try EventStreamFilter.parse(rawQuery: "last_event_id=42").lastEventID == 42)
        }
    }

    // MARK: readiness

    @Test func readinessIsFalseWhileTheListenerIsDown() async throws {
        try await Self.run { f in
            #expect(f.readiness.eventFeedReady)
            let subscriber = try await f.hub.subscribe(filter: EventStreamFilter(), lastEventID: nil).subscriber
            let killed = try await f.postgres.client.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE pid <> pg_backend_pid() AND query ILIKE \("LISTEN%" + (try f.postgres).notificationChannel + "%")
                """,
                logger: ServerHarness.logger
            ).decode(Bool.self).reduce(into: 0) { n, _ in n += 1 }
            #expect(killed == 1)
            try await Self.eventually("readiness false") { !f.readiness.eventFeedReady }
            // Committed while the doorbell is down: caught up after the reconnect.
            try await f.submit()
            try await Self.eventually("readiness back") { f.readiness.eventFeedReady }
            #expect(try await Self.frames(subscriber, count: 2).map(\.id) == [1, 2])
        }
    }
}
