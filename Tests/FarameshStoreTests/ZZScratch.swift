import FarameshCore
import FarameshStore
import FarameshStorePostgres
import Foundation
import Testing

@Suite("scratch", .serialized)
struct Scratch {
    @Test func benchmark() async throws {
        try await PostgresTestDatabase.withStore(poolSize: 16) { store, _ in
            func percentiles(_ xs: [Duration]) -> String {
                let s = xs.sorted()
                func p(_ q: Double) -> String { let d = s[min(s.count - 1, Int(Double(s.count) * q))]; return String(format: "%.2fms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000) }
                return "p50 \(p(0.5)) p90 \(p(0.9)) p99 \(p(0.99)) max \(p(0.9999))"
            }
            for concurrency in [1, 16] {
                let n = 2000
                let clock = ContinuousClock()
                let submits = (0..<n).map { i in StoreFixtures.action(status: .pendingApproval, agent: "bench-\(i % 10)") }
                let start = clock.now
                let lat = try await withThrowingTaskGroup(of: [Duration].self) { g in
                    for w in 0..<concurrency {
                        g.addTask {
                            var l: [Duration] = []
                            for i in stride(from: w, to: n, by: concurrency) {
                                let t = clock.now
                                _ = try await store.submit(submits[i].action, events: submits[i].events, idempotencyKey: "k-\(concurrency)-\(i)")
                                l.append(clock.now - t)
                            }
                            return l
                        }
                    }
                    var all: [Duration] = []
                    for try await l in g { all += l }
                    return all
                }
                let el = clock.now - start
                print("SUBMIT c=\(concurrency): \(n) in \(el) => \(Double(n) / (Double(el.components.seconds) + Double(el.components.attoseconds) / 1e18)) /s; \(percentiles(lat))")
                let start2 = clock.now
                let lat2 = try await withThrowingTaskGroup(of: [Duration].self) { g in
                    for w in 0..<concurrency {
                        g.addTask {
                            var l: [Duration] = []
                            for i in stride(from: w, to: n, by: concurrency) {
                                let t = clock.now
                                _ = try await store.transition(submits[i].action.id, StoreFixtures.request(.approve))
                                l.append(clock.now - t)
                            }
                            return l
                        }
                    }
                    var all: [Duration] = []
                    for try await l in g { all += l }
                    return all
                }
                let el2 = clock.now - start2
                print("APPROVE c=\(concurrency): \(n) in \(el2) => \(Double(n) / (Double(el2.components.seconds) + Double(el2.components.attoseconds) / 1e18)) /s; \(percentiles(lat2))")
            }
            let clock = ContinuousClock()
            var l: [Duration] = []
            var cursor: ActionCursor?
            for _ in 0..<100 { let t = clock.now; let p = try await store.list(ActionQuery(limit: 40, cursor: cursor)); cursor = p.nextCursor; l.append(clock.now - t) }
            print("LIST 40: \(percentiles(l))")
            l = []
            for _ in 0..<200 { let t = clock.now; _ = try await store.action(id: UUID()); l.append(clock.now - t) }
            print("GET: \(percentiles(l))")
            l = []
            for _ in 0..<200 { let t = clock.now; try await store.ping(); l.append(clock.now - t) }
            print("PING: \(percentiles(l))")
        }
    }

    @Test func outage() async throws {
        guard let dsn = ProcessInfo.processInfo.environment["FARAMESH_OUTAGE_DSN"] else { return }
        let config = try PostgresConfiguration(dsn: dsn, poolSize: 4)
        let store = PostgresActionStore(configuration: config, logger: PostgresTestDatabase.logger)
        try await withThrowingTaskGroup(of: Void.self) { g in
            g.addTask { await store.client.run() }
            try await store.migrate()
            let clock = ContinuousClock()
            let begin = clock.now
            while clock.now - begin < .seconds(40) {
                let t = clock.now
                var r = "ok"
                do {
                    let (a, e) = StoreFixtures.action()
                    _ = try await store.submit(a, events: e, idempotencyKey: nil)
                } catch { r = "\(error)" }
                let t2 = clock.now
                var p = "ok"
                do { try await store.ping() } catch { p = "\(error)" }
                print("OUTAGE t=\(clock.now - begin) submit=\(r) (\(t2 - t)) ping=\(p) (\(clock.now - t2))")
                try await Task.sleep(for: .milliseconds(500))
            }
            g.cancelAll()
        }
    }
}
