import FarameshCore
import FarameshStore
import Foundation
import Testing

/// The backends the conformance suite runs on: PostgreSQL (`FARAMESH_TEST_POSTGRES_DSN`; these
/// tests never skip) and SQLite, on a file and in memory.
enum ConformanceBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case postgres
    case sqliteFile = "sqlite-file"
    case sqliteMemory = "sqlite-memory"

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh, migrated, empty store and tears it down afterwards.
    func provide(_ body: @Sendable (any ActionStore) async throws -> Void) async throws {
        switch self {
        case .postgres: try await PostgresTestDatabase.withStore { store, _ in try await body(store) }
        case .sqliteFile: try await SQLiteTestDatabase.withStore(.file) { store, _ in try await body(store) }
        case .sqliteMemory: try await SQLiteTestDatabase.withStore(.memory) { store, _ in try await body(store) }
        }
    }
}

/// Backend-independent behaviour every `ActionStore` must show, run on every backend: adding a
/// check here runs it everywhere. The lifecycle rules themselves are tested purely in
/// `ActionStateMachineTests`; these check that each backend writes and reads what they return.
@Suite("ActionStoreConformance")
struct ActionStoreConformance {
    // MARK: submit and read

    @Test(arguments: ConformanceBackend.allCases)
    func submitAndRead(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            for full in [false, true] {
                let (action, events) = StoreFixtures.action(status: .pendingApproval, fullProvenance: full)
                let result = try await store.submit(action, events: events, idempotencyKey: nil)
                #expect(result.created)
                #expect(result.action == action)
                let fetched = try #require(try await store.action(id: action.id))
                #expect(fetched == action)
                #expect(fetched.lastEventHash == events.last?.recordHash)

                let stored = try await store.events(actionID: action.id)
                #expect(StoreFixtures.unsequenced(stored) == events)
                #expect(stored.allSatisfy { $0.seq > 0 })
                #expect(stored.map(\.seq) == stored.map(\.seq).sorted())
                #expect(EventChain.verify(stored) == .valid(count: 2))
            }
            #expect(try await store.action(id: UUID()) == nil)
            #expect(try await store.events(actionID: UUID()).isEmpty)
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func jsonRoundTripIsExact(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let tricky = StoreFixtures.trickyJSON
            let (action, events) = StoreFixtures.action(params: tricky, context: .object(["ctx": tricky]))
            _ = try await store.submit(action, events: events, idempotencyKey: nil)
            let fetched = try #require(try await store.action(id: action.id))
            #expect(fetched.request.params == tricky)
            #expect(fetched.request.context == .object(["ctx": tricky]))
            #expect(CanonicalJSON.bytes(fetched.request.params) == CanonicalJSON.bytes(tricky))
            // Clients recompute the request hash from what GET returns.
            #expect(RequestHash.compute(fetched.request) == action.requestHash)

            // Doubles stay doubles, ints stay ints.
            if case .array(let doubles)? = fetched.request.params["doubles"] {
                #expect(doubles.allSatisfy { if case .double = $0 { return true } else { return false } })
            } else {
                Issue.record("doubles missing")
            }

            // Event meta too: the chain hash covers it.
            let moved = try await store.transition(
                action.id,
                StoreFixtures.request(.start, meta: .object(["echo": tricky]))
            )
            let timeline = try await store.events(actionID: action.id)
            #expect(timeline.last?.meta == .object(["echo": tricky]))
            #expect(EventChain.verify(timeline) == .valid(count: 3))
            #expect(timeline.last?.recordHash == moved.lastEventHash)
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func timestampsKeepMicroseconds(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            // Odd microsecond values, before and after 1970 and 2000 (PostgreSQL's epoch).
            for micros: Int64 in [1_764_000_000_123_457, 946_684_799_999_999, 1, -1_000_001, 4_102_444_800_000_001] {
                let at = WireTimestamp.date(microseconds: micros)
                let (action, events) = StoreFixtures.action(createdAt: at)
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
                let fetched = try #require(try await store.action(id: action.id))
                #expect(WireTimestamp.microseconds(fetched.createdAt) == micros)
                #expect(fetched.createdAt == action.createdAt)
                let stored = try await store.events(actionID: action.id)
                #expect(stored.map(\.createdAt) == events.map(\.createdAt))
                #expect(EventChain.verify(stored) == .valid(count: 2))
            }
        }
    }

    // MARK: list

    @Test(arguments: ConformanceBackend.allCases)
    func listFiltersAndCursorPaging(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let base = WireTimestamp.now().addingTimeInterval(-10_000)
            let statuses: [ActionStatus] = [.allowed, .denied, .pendingApproval, .succeeded, .executing]
            var submissions: [(action: Action, events: [ActionEvent])] = []
            for i in 0..<260 {
                // Every 10th pair shares a timestamp, so the id tie-break matters.
                let slot = i % 10 == 1 ? i - 1 : i
                submissions.append(
                    StoreFixtures.action(
                        status: statuses[i % statuses.count],
                        agent: "agent-\(i % 3)",
                        tool: "tool-\(i % 4)",
                        risk: RiskLevel.allCases[(i / 2) % 3],
                        createdAt: base.addingTimeInterval(Double(slot) * 0.001)
                    )
                )
            }
            let all = submissions.map(\.action)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for chunk in stride(from: 0, to: submissions.count, by: 33) {
                    let slice = Array(submissions[chunk..<min(chunk + 33, submissions.count)])
                    group.addTask {
                        for (action, events) in slice {
                            _ = try await store.submit(action, events: events, idempotencyKey: nil)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let expected = all.sorted(by: StoreFixtures.listOrder).map(\.id)

            func pageAll(_ query: ActionQuery) async throws -> (ids: [UUID], pages: Int) {
                var query = query
                var ids: [UUID] = []
                var pages = 0
                while true {
                    let page = try await store.list(query)
                    pages += 1
                    ids += page.actions.map(\.id)
                    #expect(page.actions.count <= query.limit)
                    guard let next = page.nextCursor else { break }
                    #expect(page.actions.count == query.limit)
                    // The cursor survives its text form.
                    let decoded: ActionCursor = try #require(ActionCursor(encoded: next.encoded))
                    query.cursor = decoded
                    if pages > 400 {
                        Issue.record("paging does not end")
                        break
                    }
                }
                return (ids, pages)
            }

            let unfiltered = try await pageAll(ActionQuery(limit: 25))
            #expect(unfiltered.ids == expected)
            #expect(unfiltered.pages == 11)

            let byID = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
            func expect(
                _ query: ActionQuery,
                where keep: (Action) -> Bool,
                sourceLocation: SourceLocation = #_sourceLocation
            ) async throws {
                let want = expected.filter { id in byID[id].map(keep) ?? false }
                let got = try await pageAll(query)
                #expect(got.ids == want, sourceLocation: sourceLocation)
                #expect(!want.isEmpty, sourceLocation: sourceLocation)
            }
            try await expect(ActionQuery(agentID: "agent-1", limit: 7)) { $0.request.agentID == "agent-1" }
            try await expect(ActionQuery(tool: "tool-3", limit: 13)) { $0.request.tool == "tool-3" }
            try await expect(ActionQuery(status: .pendingApproval, limit: 9)) { $0.status == .pendingApproval }
            try await expect(ActionQuery(riskLevel: .high, limit: 20)) { $0.riskLevel == .high }
            try await expect(
                ActionQuery(agentID: "agent-2", tool: "tool-0", status: .allowed, riskLevel: .medium, limit: 2)
            ) {
                $0.request.agentID == "agent-2" && $0.request.tool == "tool-0" && $0.status == .allowed
                    && $0.riskLevel == .medium
            }
            try await expect(ActionQuery(agentID: "agent-0", status: .denied, limit: 4)) {
                $0.request.agentID == "agent-0" && $0.status == .denied
            }
            #expect(try await store.list(ActionQuery(agentID: "nobody")).actions.isEmpty)
            #expect(try await store.list(ActionQuery(agentID: "nobody")).nextCursor == nil)

            // Offset paging.
            let offsetPage = try await store.list(ActionQuery(limit: 10, offset: 20))
            #expect(offsetPage.actions.map(\.id) == Array(expected[20..<30]))
            let tail = try await store.list(ActionQuery(limit: 50, offset: 250))
            #expect(tail.actions.map(\.id) == Array(expected[250...]))
            #expect(tail.nextCursor == nil)

            // A page that ends exactly at the last row still offers a cursor; the next page is empty.
            let exact = try await store.list(ActionQuery(limit: 10, offset: 250))
            #expect(exact.actions.count == 10)
            let exactCursor: ActionCursor = try #require(exact.nextCursor)
            let after = try await store.list(ActionQuery(limit: 10, cursor: exactCursor))
            #expect(after.actions.isEmpty)
            #expect(after.nextCursor == nil)

            // Rows come back whole.
            let first = try await store.list(ActionQuery(limit: 1)).actions
            let newest = try #require(byID[expected[0]])
            #expect(first.first?.request == newest.request)
            #expect(first.first?.createdAt == newest.createdAt)
        }
    }

    // MARK: idempotency

    @Test(arguments: ConformanceBackend.allCases)
    func idempotentSubmit(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let (first, firstEvents) = StoreFixtures.action()
            let created = try await store.submit(first, events: firstEvents, idempotencyKey: "key-1")
            #expect(created.created)

            // Same key, same request (a retry builds a new id): the stored action comes back.
            let (retry, retryEvents) = StoreFixtures.action()
            #expect(retry.requestHash == first.requestHash)
            let replay = try await store.submit(retry, events: retryEvents, idempotencyKey: "key-1")
            #expect(!replay.created)
            #expect(replay.action == first)
            #expect(try await store.action(id: retry.id) == nil)
            #expect(try await store.events(actionID: retry.id).isEmpty)

            // Same key, another request.
            let (other, otherEvents) = StoreFixtures.action(params: .object(["cmd": .string("rm -rf /")]))
            do {
                _ = try await store.submit(other, events: otherEvents, idempotencyKey: "key-1")
                Issue.record("expected an idempotency conflict")
            } catch StoreError.idempotencyConflict(let existing) {
                #expect(existing == first.id)
            }
            #expect(try await store.action(id: other.id) == nil)

            // Another key is independent; no key never deduplicates.
            #expect(try await store.submit(other, events: otherEvents, idempotencyKey: "key-2").created)
            let (plain, plainEvents) = StoreFixtures.action()
            #expect(try await store.submit(plain, events: plainEvents, idempotencyKey: nil).created)

            // Concurrent first use of one key: exactly one insert, everyone sees the same action.
            let results = try await withThrowingTaskGroup(of: SubmitResult.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let (action, events) = StoreFixtures.action(agent: "racer")
                        return try await store.submit(action, events: events, idempotencyKey: "race-key")
                    }
                }
                var all: [SubmitResult] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(results.filter(\.created).count == 1)
            #expect(Set(results.map(\.action.id)).count == 1)
            let racers = try await store.list(ActionQuery(agentID: "racer", limit: 50)).actions
            #expect(racers.count == 1)
        }
    }

    // MARK: state machine

    @Test(arguments: ConformanceBackend.allCases)
    func everyTransitionFromEveryStatus(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            for status in ActionStatus.allCases {
                for transition in ActionTransition.allCases {
                    let (action, events) = StoreFixtures.action(status: status)
                    _ = try await store.submit(action, events: events, idempotencyKey: nil)
                    let now = action.createdAt.addingTimeInterval(1)
                    let meta: JSONValue = .object(["note": .string("\(transition.rawValue) from \(status.rawValue)")])
                    let request = StoreFixtures.request(
                        transition,
                        actor: "alice",
                        reason: "because \(transition.rawValue)",
                        meta: meta,
                        at: now
                    )
                    if let target = transition.target(from: status) {
                        let moved = try await store.transition(action.id, request)
                        #expect(moved.status == target, "\(status) --\(transition)--> \(target)")
                        #expect(moved.version == 2)
                        #expect(moved.reason == "because \(transition.rawValue)")
                        #expect(moved.updatedAt == now)
                        #expect(moved.createdAt == action.createdAt)
                        #expect(moved.approvalToken == nil)
                        switch transition {
                        case .approve: #expect(moved.decision == .allow)
                        case .deny: #expect(moved.decision == .deny)
                        default: #expect(moved.decision == action.decision)
                        }
                        #expect(moved.outcome == action.outcome)
                        #expect(try await store.action(id: action.id) == moved)
                        let timeline = try await store.events(actionID: action.id)
                        #expect(timeline.count == 3)
                        #expect(timeline.last?.type == transition.eventType)
                        #expect(timeline.last?.actor == "alice")
                        #expect(timeline.last?.meta == meta)
                        #expect(timeline.last?.createdAt == now)
                        #expect(timeline.last?.recordHash == moved.lastEventHash)
                        #expect(EventChain.verify(timeline) == .valid(count: 3))
                    } else {
                        do {
                            _ = try await store.transition(action.id, request)
                            Issue.record("\(transition) from \(status) must be illegal")
                        } catch StoreError.illegalTransition(let current) {
                            #expect(current == action, "\(transition) from \(status)")
                        }
                        #expect(try await store.action(id: action.id) == action)
                        #expect(try await store.events(actionID: action.id).count == 2)
                    }
                }
            }

            // A nil reason keeps the current one; unknown ids are not found.
            let (kept, keptEvents) = StoreFixtures.action(status: .allowed)
            _ = try await store.submit(kept, events: keptEvents, idempotencyKey: nil)
            let started = try await store.transition(kept.id, StoreFixtures.request(.start, reason: nil))
            #expect(started.reason == kept.reason)
            await #expect(throws: StoreError.self) {
                _ = try await store.transition(UUID(), StoreFixtures.request(.approve))
            }
            do {
                _ = try await store.transition(UUID(), StoreFixtures.request(.approve))
                Issue.record("expected notFound")
            } catch StoreError.notFound {
            }
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func fullLifecycleChainVerifies(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let (action, events) = StoreFixtures.action(status: .pendingApproval)
            _ = try await store.submit(action, events: events, idempotencyKey: nil)
            let t0 = action.createdAt
            let approved = try await store.transition(
                action.id,
                StoreFixtures.request(
                    .approve,
                    actor: "approver-bob",
                    reason: "looks fine",
                    meta: .object(["comment": .string("ok")]),
                    at: t0.addingTimeInterval(1)
                )
            )
            #expect(approved.status == .approved)
            #expect(approved.approvalToken == nil)
            #expect(approved.approvalExpiresAt == action.approvalExpiresAt)
            let started = try await store.transition(
                action.id,
                StoreFixtures.request(
                    .start,
                    actor: "agent-1",
                    at: t0.addingTimeInterval(2)
                )
            )
            let finished = try await store.transition(
                action.id,
                StoreFixtures.request(
                    .succeed,
                    actor: "agent-1",
                    reason: "exit 0",
                    meta: .object(["exit_code": .int(0), "duration": .double(1.25)]),
                    at: t0.addingTimeInterval(3)
                )
            )
            #expect(started.status == .executing)
            #expect(finished.status == .succeeded)
            #expect(finished.version == 4)
            #expect(finished.decision == .allow)

            let timeline = try await store.events(actionID: action.id)
            #expect(timeline.map(\.type) == [.created, .decisionMade, .approved, .started, .succeeded])
            #expect(timeline.map(\.actor) == ["agent-1", "agent-1", "approver-bob", "agent-1", "agent-1"])
            #expect(EventChain.verify(timeline) == .valid(count: 5))
            #expect(timeline.last?.recordHash == finished.lastEventHash)
            let seqs = timeline.map(\.seq)
            #expect(seqs == seqs.sorted() && Set(seqs).count == 5)

            // Global cursor: ascending, exclusive, limited.
            let global = try await store.events(after: 0, limit: 100)
            #expect(global.map(\.id) == timeline.map(\.id))
            let middle = try await store.events(after: seqs[1], limit: 2)
            #expect(middle.map(\.id) == [timeline[2].id, timeline[3].id])
            #expect(try await store.events(after: seqs[4], limit: 10).isEmpty)

            // A tampered copy does not verify.
            var tampered = timeline
            tampered[2].actor = "mallory"
            tampered[2].meta = .object(["comment": .string("forged")])
            #expect(EventChain.verify(tampered) != .valid(count: 5))
        }
    }

    // MARK: races

    @Test(arguments: ConformanceBackend.allCases)
    func concurrentApprovalsHaveOneWinner(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let (action, events) = StoreFixtures.action(status: .pendingApproval)
            _ = try await store.submit(action, events: events, idempotencyKey: nil)
            enum Outcome: Sendable {
                case won(Action)
                case lost(ActionStatus)
                case failed(String)
            }
            let outcomes = await withTaskGroup(of: Outcome.self) { group in
                for i in 0..<50 {
                    group.addTask {
                        let transition: ActionTransition = i % 2 == 0 ? .approve : .deny
                        do {
                            return .won(
                                try await store.transition(
                                    action.id,
                                    StoreFixtures.request(transition, actor: "approver-\(i)")
                                )
                            )
                        } catch StoreError.illegalTransition(let current) {
                            return .lost(current.status)
                        } catch {
                            return .failed("\(error)")
                        }
                    }
                }
                var all: [Outcome] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let winners = outcomes.compactMap { if case .won(let a) = $0 { return a } else { return nil } }
            let losers = outcomes.compactMap { if case .lost(let s) = $0 { return s } else { return nil } }
            let failures = outcomes.compactMap { if case .failed(let e) = $0 { return e } else { return nil } }
            #expect(failures.isEmpty, "\(failures.prefix(3))")
            try #require(winners.count == 1)
            let winner = winners[0]
            #expect([.approved, .denied].contains(winner.status))
            #expect(losers.count == 49)
            #expect(losers.allSatisfy { $0 == winner.status })

            let final = try #require(try await store.action(id: action.id))
            #expect(final == winner)
            #expect(final.version == 2)
            let timeline = try await store.events(actionID: action.id)
            #expect(timeline.filter { $0.type == .approved || $0.type == .denied }.count == 1)
            #expect(timeline.count == 3)
            #expect(EventChain.verify(timeline) == .valid(count: 3))
            // Every call of the race has ended: the pool-use gauge is back at zero.
            let usage = store.databaseUsage
            #expect(usage.operationsInFlight == 0)
            #expect(usage.connectionLimit >= 1)
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func startAndResultRace(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            for round in 0..<12 {
                let (action, events) = StoreFixtures.action(status: round % 2 == 0 ? .allowed : .approved)
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
                async let startResult: Result<Action, StoreError> = Self.attempt {
                    try await store.transition(action.id, StoreFixtures.request(.start, actor: "executor"))
                }
                async let resultResult: Result<Action, StoreError> = Self.attempt {
                    try await store.transition(action.id, StoreFixtures.request(.succeed, actor: "agent-1"))
                }
                let (start, result) = await (startResult, resultResult)
                // The result report is legal either way; only its order relative to start varies.
                let reported = try result.get()
                #expect(reported.status == .succeeded)
                let timeline = try await store.events(actionID: action.id)
                switch start {
                case .success(let started):
                    #expect(started.status == .executing)
                    #expect(timeline.map(\.type).suffix(2) == [.started, .succeeded])
                    #expect(reported.version == 3)
                case .failure(.illegalTransition(let current)):
                    #expect(current.status == .succeeded)
                    #expect(timeline.map(\.type).last == .succeeded)
                    #expect(!timeline.contains { $0.type == .started })
                    #expect(reported.version == 2)
                case .failure(let other):
                    Issue.record("unexpected start failure \(other)")
                }
                #expect(EventChain.verify(timeline) == .valid(count: timeline.count))
                #expect(try await store.action(id: action.id)?.status == .succeeded)
            }
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func approvalRacingExpiry(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            var approvedWins = 0
            var expiryWins = 0
            for _ in 0..<12 {
                let created = WireTimestamp.now()
                let deadline = created.addingTimeInterval(10)
                let (action, events) = StoreFixtures.action(
                    status: .pendingApproval,
                    createdAt: created,
                    approvalExpiresAt: deadline
                )
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
                async let approval: Result<Action, StoreError> = Self.attempt {
                    try await store.transition(
                        action.id,
                        StoreFixtures.request(.approve, at: deadline.addingTimeInterval(-1))
                    )
                }
                async let sweep: Result<[Action], StoreError> = Self.attempt {
                    try await store.expireDue(now: deadline.addingTimeInterval(1), limit: 10)
                }
                let (approveResult, sweepResult) = await (approval, sweep)
                let expired = try sweepResult.get()
                let final = try #require(try await store.action(id: action.id))
                switch approveResult {
                case .success(let approved):
                    approvedWins += 1
                    #expect(approved.status == .approved)
                    #expect(!expired.contains { $0.id == action.id })
                    #expect(final.status == .approved)
                case .failure(.illegalTransition(let current)):
                    expiryWins += 1
                    #expect(current.status == .expired)
                    #expect(expired.map(\.id) == [action.id])
                    #expect(final.status == .expired)
                case .failure(let other):
                    Issue.record("unexpected approval failure \(other)")
                }
                let timeline = try await store.events(actionID: action.id)
                #expect(timeline.filter { [.approved, .expired].contains($0.type) }.count == 1)
                #expect(EventChain.verify(timeline) == .valid(count: 3))
            }
            #expect(approvedWins + expiryWins == 12)
        }
    }

    // MARK: expiry

    @Test(arguments: ConformanceBackend.allCases)
    func overdueDecisionCommitsExpiry(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            for transition in [ActionTransition.approve, .deny] {
                let created = WireTimestamp.now().addingTimeInterval(-120)
                let deadline = created.addingTimeInterval(60)
                let (action, events) = StoreFixtures.action(
                    status: .pendingApproval,
                    createdAt: created,
                    approvalExpiresAt: deadline
                )
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
                // Exactly at the deadline counts as overdue.
                do {
                    _ = try await store.transition(action.id, StoreFixtures.request(transition, at: deadline))
                    Issue.record("an overdue \(transition) must fail")
                } catch StoreError.illegalTransition(let current) {
                    #expect(current.status == .expired)
                    #expect(current.approvalToken == nil)
                    #expect(current.decision == .requireApproval)
                    #expect(current.version == 2)
                }
                let final = try #require(try await store.action(id: action.id))
                #expect(final.status == .expired)
                let timeline = try await store.events(actionID: action.id)
                #expect(timeline.map(\.type) == [.created, .decisionMade, .expired])
                #expect(timeline.last?.actor == "system")
                #expect(EventChain.verify(timeline) == .valid(count: 3))

                // Later attempts change nothing.
                do {
                    _ = try await store.transition(action.id, StoreFixtures.request(.approve))
                    Issue.record("approving an expired action must fail")
                } catch StoreError.illegalTransition(let current) {
                    #expect(current == final)
                }
                #expect(try await store.events(actionID: action.id).count == 3)
            }
        }
    }

    @Test(arguments: ConformanceBackend.allCases)
    func expireDueExpiresOnlyDueApprovals(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let t0 = WireTimestamp.now()
            var pending: [Action] = []
            for i in 1...5 {
                let (action, events) = StoreFixtures.action(
                    status: .pendingApproval,
                    createdAt: t0,
                    approvalExpiresAt: t0.addingTimeInterval(Double(i))
                )
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
                pending.append(action)
            }
            // A pending action without a deadline and a decided one are never swept.
            var noDeadline = StoreFixtures.action(status: .pendingApproval, createdAt: t0)
            noDeadline.action.approvalExpiresAt = nil
            _ = try await store.submit(noDeadline.action, events: noDeadline.events, idempotencyKey: nil)
            let allowed = StoreFixtures.action(status: .allowed, createdAt: t0, approvalExpiresAt: t0)
            _ = try await store.submit(allowed.action, events: allowed.events, idempotencyKey: nil)
            #expect(try await store.pendingApprovalCount() == 6)

            let now = t0.addingTimeInterval(3)
            let first = try await store.expireDue(now: now, limit: 2)
            #expect(Set(first.map(\.id)) == Set(pending[0..<2].map(\.id)))
            let second = try await store.expireDue(now: now, limit: 10)
            #expect(second.map(\.id) == [pending[2].id])
            #expect(try await store.expireDue(now: now, limit: 10).isEmpty)
            #expect(try await store.expireDue(now: now, limit: 0).isEmpty)
            #expect(try await store.pendingApprovalCount() == 3)

            for expired in first + second {
                #expect(expired.status == .expired)
                #expect(expired.approvalToken == nil)
                #expect(expired.version == 2)
                #expect(expired.updatedAt == now)
                #expect(try await store.action(id: expired.id) == expired)
                let timeline = try await store.events(actionID: expired.id)
                #expect(timeline.last?.type == .expired)
                #expect(timeline.last?.actor == "system")
                #expect(EventChain.verify(timeline) == .valid(count: 3))
            }
            #expect(try await store.action(id: pending[3].id)?.status == .pendingApproval)
            #expect(try await store.action(id: noDeadline.action.id)?.status == .pendingApproval)
            #expect(try await store.action(id: allowed.action.id)?.status == .allowed)
        }
    }

    // MARK: prefix lookup

    @Test(arguments: ConformanceBackend.allCases)
    func idPrefixLookup(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let ids = [
                "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002",
                "aaaaaaab-ffff-4fff-bfff-ffffffffffff", "bbbbbbbb-1111-4111-8111-111111111111",
                "00000000-0000-4000-8000-000000000000", "ffffffff-ffff-4fff-bfff-ffffffffffff",
            ].map(StoreFixtures.uuid)
            for id in ids {
                let (action, events) = StoreFixtures.action(id: id)
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
            }
            func lookup(_ prefix: String, limit: Int = 10) async throws -> [String] {
                try await store.actions(idPrefix: prefix, limit: limit).map { $0.id.uuidString.lowercased() }
            }
            #expect(
                try await lookup("aaaaaaaa") == [
                    "aaaaaaaa-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000002",
                ]
            )
            #expect(try await lookup("aaaaaaaa", limit: 1).count == 1)
            #expect(
                try await lookup("aaaaaaaa-0000-4000-8000-000000000002") == ["aaaaaaaa-0000-4000-8000-000000000002"]
            )
            #expect(try await lookup("aaaaaaab") == ["aaaaaaab-ffff-4fff-bfff-ffffffffffff"])
            #expect(try await lookup("BBBBBBBB") == ["bbbbbbbb-1111-4111-8111-111111111111"])
            #expect(try await lookup("bbbbbbbb-1") == ["bbbbbbbb-1111-4111-8111-111111111111"])
            #expect(try await lookup("00000000") == ["00000000-0000-4000-8000-000000000000"])
            #expect(try await lookup("ffffffff") == ["ffffffff-ffff-4fff-bfff-ffffffffffff"])
            #expect(try await lookup("cccccccc").isEmpty)
            #expect(try await lookup("bbbbbbbb1").isEmpty)  // dash missing
            #expect(try await lookup("zzzzzzzz").isEmpty)  // not hex
            #expect(try await lookup("aaaaaaaa-0000-4000-8000-0000000000011").isEmpty)  // too long
            #expect(try await lookup("").isEmpty)
        }
    }

    // MARK: tokens

    @Test(arguments: ConformanceBackend.allCases)
    func tokenLifecycle(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let t0 = WireTimestamp.now()
            let ci = APIToken(
                id: UUID(),
                name: "ci-agent",
                role: .agent,
                tokenHash: SHA256Hex.hash("secret-1"),
                createdAt: t0
            )
            let bob = APIToken(
                id: UUID(),
                name: "bob",
                role: .approver,
                tokenHash: SHA256Hex.hash("secret-2"),
                createdAt: t0.addingTimeInterval(1)
            )
            let root = APIToken(
                id: UUID(),
                name: "root",
                role: .admin,
                tokenHash: SHA256Hex.hash("secret-3"),
                createdAt: t0.addingTimeInterval(2)
            )
            try await store.createToken(ci)
            try await store.createToken(bob)
            try await store.createToken(root)
            do {
                try await store.createToken(
                    APIToken(
                        id: UUID(),
                        name: "bob",
                        role: .admin,
                        tokenHash: SHA256Hex.hash("other"),
                        createdAt: t0
                    )
                )
                Issue.record("duplicate name must fail")
            } catch StoreError.duplicateToken(let name) {
                #expect(name == "bob")
            }

            #expect(try await store.token(hash: ci.tokenHash) == ci)
            #expect(try await store.token(hash: SHA256Hex.hash("unknown")) == nil)
            #expect(try await store.tokens() == [ci, bob, root])

            let revokedAt = t0.addingTimeInterval(10)
            #expect(try await store.revokeToken(idOrName: "bob", at: revokedAt))
            #expect(try await store.token(hash: bob.tokenHash) == nil)
            #expect(try await store.revokeToken(idOrName: ci.id.uuidString.lowercased(), at: revokedAt))
            #expect(try await store.token(hash: ci.tokenHash) == nil)
            #expect(try await store.revokeToken(idOrName: "nobody", at: revokedAt) == false)
            #expect(try await store.revokeToken(idOrName: UUID().uuidString, at: revokedAt) == false)
            // Revoking again matches but keeps the first time.
            #expect(try await store.revokeToken(idOrName: "bob", at: revokedAt.addingTimeInterval(50)))

            let listed = try await store.tokens()
            #expect(listed.map(\.name) == ["ci-agent", "bob", "root"])
            #expect(listed.first { $0.name == "bob" }?.revokedAt == revokedAt)
            #expect(listed.first { $0.name == "root" }?.revokedAt == nil)
            #expect(try await store.token(hash: root.tokenHash)?.role == .admin)
        }
    }

    // MARK: identities (issue 10)

    /// Token agent-id grants round-trip; names are unique ignoring case (Unicode too).
    @Test(arguments: ConformanceBackend.allCases)
    func tokenAgentIDsAndCaseInsensitiveNames(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let t0 = WireTimestamp.now()
            let plain = APIToken(
                id: UUID(),
                name: "Ci-Agent",
                role: .agent,
                tokenHash: SHA256Hex.hash("s-1"),
                createdAt: t0
            )
            let granted = APIToken(
                id: UUID(),
                name: "team-bot",
                role: .agent,
                tokenHash: SHA256Hex.hash("s-2"),
                createdAt: t0.addingTimeInterval(1),
                agentIDs: ["team-*", "ops"]
            )
            let accented = APIToken(
                id: UUID(),
                name: "Élodie",
                role: .approver,
                tokenHash: SHA256Hex.hash("s-3"),
                createdAt: t0.addingTimeInterval(2)
            )
            for token in [plain, granted, accented] { try await store.createToken(token) }
            #expect(try await store.token(hash: plain.tokenHash)?.agentIDs == nil)
            #expect(try await store.token(hash: plain.tokenHash)?.agentScope == AgentScope(name: "Ci-Agent"))
            let stored = try #require(try await store.token(hash: granted.tokenHash))
            #expect(stored.agentIDs == ["team-*", "ops"])
            #expect(stored.agentScope.allows("team-a") && stored.agentScope.allows("ops"))
            #expect(!stored.agentScope.allows("team-bot".replacingOccurrences(of: "-", with: "_")))
            #expect(try await store.tokens() == [plain, granted, accented])
            for (name, hash) in [("ci-agent", "s-4"), ("CI-AGENT", "s-5"), ("élodie", "s-6"), ("ÉLODIE", "s-7")] {
                do {
                    try await store.createToken(
                        APIToken(
                            id: UUID(),
                            name: name,
                            role: .admin,
                            tokenHash: SHA256Hex.hash(hash),
                            createdAt: t0
                        )
                    )
                    Issue.record("\(name) differs from an existing name only by case and must be refused")
                } catch StoreError.duplicateToken(let reported) {
                    #expect(reported == name)
                }
            }
            #expect(try await store.tokens().count == 3)
        }
    }

    /// `ActionQuery.agentScope`: exact names and `*` globs, with `%`, `_`, `?`, `[` and `\`
    /// literal in both backends' translations.
    @Test(arguments: ConformanceBackend.allCases)
    func listHonoursAgentScope(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let agents = [
                "team-a", "team-", "teamXa", "TEAM-B", "ops_1", "opsX1", "svc[1]x", "svc1x", "q?z", "qaz",
                "p%x", "pyyx", "back\\slash", "other",
            ]
            for agent in agents {
                let (action, events) = StoreFixtures.action(agent: agent)
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
            }
            func listed(_ scope: AgentScope?) async throws -> Set<String> {
                Set(try await store.list(ActionQuery(limit: 100, agentScope: scope)).actions.map(\.request.agentID))
            }
            #expect(try await listed(nil) == Set(agents))
            #expect(try await listed(AgentScope(name: "team-*")) == [], "a token's own name is never a glob")
            #expect(try await listed(AgentScope(name: "other")) == ["other"])
            #expect(try await listed(AgentScope(entries: ["team-*"])) == ["team-a", "team-"])
            #expect(try await listed(AgentScope(entries: ["ops_*", "svc[1]*"])) == ["ops_1", "svc[1]x"])
            #expect(try await listed(AgentScope(entries: ["q?*", "p%*", "back\\*"])) == ["q?z", "p%x", "back\\slash"])
            #expect(try await listed(AgentScope(entries: ["*"])) == Set(agents))
            #expect(try await listed(AgentScope(entries: ["*-a", "nobody"])) == ["team-a"])
            // Combined with the other filters and paging.
            let page = try await store.list(
                ActionQuery(agentID: "team-a", limit: 1, agentScope: AgentScope(entries: ["ops"]))
            )
            #expect(page.actions.isEmpty)
        }
    }

    /// `ActionQuery.text` (literal, case-insensitive substring of id, agent_id, tool, operation,
    /// reason) and the created_at range, combined with the other filters and keyset paging.
    @Test(arguments: ConformanceBackend.allCases)
    func listSearchAndTimeRange(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let base = StoreFixtures.micro(WireTimestamp.now().addingTimeInterval(-1000))
            let rows: [(agent: String, tool: String, operation: String, status: ActionStatus)] = [
                ("Alpha-1", "shell", "run", .allowed), ("alpha_2", "shell", "run", .allowed),
                ("beta%3", "kubectl", "apply", .allowed), ("gamma\\4", "shell", "Deploy_Prod", .allowed),
                ("delta", "http", "get", .denied), ("epsilon", "shell", "run", .allowed),
            ]
            var all: [Action] = []
            for (i, row) in rows.enumerated() {
                let (action, events) = StoreFixtures.action(
                    status: row.status,
                    agent: row.agent,
                    tool: row.tool,
                    operation: row.operation,
                    createdAt: base.addingTimeInterval(Double(i))
                )
                _ = try await store.submit(action, events: events, idempotencyKey: nil)
                all.append(action)
            }
            let newest = Array(all.reversed())
            func agents(_ query: ActionQuery) async throws -> [String] {
                var query = query
                var out: [String] = []
                while true {
                    let page = try await store.list(query)
                    out += page.actions.map(\.request.agentID)
                    guard let next = page.nextCursor, out.count < 50 else { return out }
                    query.cursor = next
                }
            }
            #expect(try await agents(ActionQuery(limit: 1, text: "ALPHA")) == ["alpha_2", "Alpha-1"])
            #expect(try await agents(ActionQuery(text: "_")) == ["gamma\\4", "alpha_2"], "`_` is literal")
            #expect(try await agents(ActionQuery(text: "%")) == ["beta%3"], "`%` is literal")
            #expect(try await agents(ActionQuery(text: "a%3")) == ["beta%3"])
            #expect(try await agents(ActionQuery(text: "\\")) == ["gamma\\4"], "the escape character is literal")
            #expect(try await agents(ActionQuery(text: "a_")) == ["alpha_2"])
            #expect(try await agents(ActionQuery(text: "KUBE")) == ["beta%3"], "tool")
            #expect(try await agents(ActionQuery(text: "deploy_p")) == ["gamma\\4"], "operation")
            #expect(try await agents(ActionQuery(text: "rule deny")) == ["delta"], "reason")
            let id = all[5].id.uuidString.lowercased()
            let middle = String(id.dropFirst(9).prefix(9))
            #expect(try await agents(ActionQuery(text: middle.uppercased())) == ["epsilon"], "id")
            #expect(try await agents(ActionQuery(text: "no such text")).isEmpty)
            // Time range: since inclusive, until exclusive, with filters and paging.
            #expect(
                try await agents(ActionQuery(limit: 1, createdSince: all[2].createdAt, createdUntil: all[4].createdAt))
                    == ["gamma\\4", "beta%3"]
            )
            #expect(
                try await agents(ActionQuery(limit: 2, createdSince: all[1].createdAt))
                    == newest.dropLast().map(\.request.agentID)
            )
            #expect(try await agents(ActionQuery(limit: 2, createdUntil: all[1].createdAt)) == ["Alpha-1"])
            #expect(
                try await agents(ActionQuery(tool: "shell", limit: 1, text: "a", createdSince: all[1].createdAt))
                    == ["epsilon", "gamma\\4", "alpha_2"],
                "epsilon by its reason, rule allow"
            )
            #expect(try await agents(ActionQuery(status: .denied, text: "alpha")).isEmpty)
            #expect(
                try await agents(ActionQuery(agentScope: AgentScope(entries: ["Alpha-*"]), text: "alpha")) == [
                    "Alpha-1"
                ]
            )
        }
    }

    /// The same Idempotency-Key in two scopes is two keys; no scope can claim another's key.
    @Test(arguments: ConformanceBackend.allCases)
    func idempotencyKeysAreScoped(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            let (a, aEvents) = StoreFixtures.action(agent: "agent-a")
            let (b, bEvents) = StoreFixtures.action(agent: "agent-b")
            let first = try await store.submit(a, events: aEvents, idempotencyKey: "k-1", idempotencyScope: "agent-a")
            #expect(first.created)
            // Another scope with the same key, even with the identical request, gets its own action.
            let (aCopy, aCopyEvents) = StoreFixtures.action(agent: "agent-a")
            let other = try await store.submit(
                aCopy,
                events: aCopyEvents,
                idempotencyKey: "k-1",
                idempotencyScope: "agent-b"
            )
            #expect(other.created)
            #expect(other.action.id == aCopy.id)
            let replay = try await store.submit(
                aCopy,
                events: aCopyEvents,
                idempotencyKey: "k-1",
                idempotencyScope: "agent-a"
            )
            #expect(!replay.created)
            #expect(replay.action.id == a.id)
            do {
                _ = try await store.submit(b, events: bEvents, idempotencyKey: "k-1", idempotencyScope: "agent-a")
                Issue.record("a different request with the key in the same scope must conflict")
            } catch StoreError.idempotencyConflict(let existing) {
                #expect(existing == a.id)
            }
        }
    }

    // MARK: health

    @Test(arguments: ConformanceBackend.allCases)
    func migrationsAndPing(_ backend: ConformanceBackend) async throws {
        try await backend.provide { store in
            try await store.ping()
            #expect(try await store.migrationsCurrent())
            try await store.migrate()  // idempotent
            #expect(try await store.migrationsCurrent())
            #expect(try await store.pendingApprovalCount() == 0)
        }
    }

    /// Runs `body`, keeping a `StoreError` as the failure (anything else fails the test).
    static func attempt<T: Sendable>(_ body: () async throws -> T) async -> Result<T, StoreError> {
        do {
            return .success(try await body())
        } catch let error as StoreError {
            return .failure(error)
        } catch {
            return .failure(.unavailable("unexpected error \(error)"))
        }
    }
}
