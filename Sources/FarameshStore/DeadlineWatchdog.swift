import Synchronization

/// The one timer behind every `Deadline`: a loop that, while any deadline is watched, wakes every
/// `tick` and expires the ones that have passed (so a deadline fires at most `tick` late).
///
/// A timer per call (a sleeping task) costs the process thread wake-ups to arm and to cancel it,
/// and every request runs under two deadlines (the handler's and the store call's); on a
/// two-core machine those wake-ups were a visible share of a submit's time. Watching is a dictionary
/// insert and removal under a lock. With nothing watched the loop waits without a timer.
package final class DeadlineWatchdog: Sendable {
    package static let shared = DeadlineWatchdog()
    /// Far below any limit in use (100 ms and up).
    static let tick: Duration = .milliseconds(10)

    private struct Watch {
        var deadline: ContinuousClock.Instant
        var expire: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var watches: [UInt64: Watch] = [:]
        /// The loop, waiting for a first watch.
        var idleLoop: CheckedContinuation<Void, Never>?
        var loopStarted = false
    }

    private let state = Mutex(State())

    package init() {}

    /// Runs `expire` once `deadline` has passed, unless `forget` comes first.
    package func watch(until deadline: ContinuousClock.Instant, _ expire: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, idleLoop, startLoop) = self.state.withLock { state in
            state.nextID += 1
            state.watches[state.nextID] = Watch(deadline: deadline, expire: expire)
            let idleLoop = state.idleLoop
            state.idleLoop = nil
            let startLoop = !state.loopStarted
            state.loopStarted = true
            return (state.nextID, idleLoop, startLoop)
        }
        idleLoop?.resume()
        if startLoop { Task.detached { await self.loop() } }
        return id
    }

    package func forget(_ id: UInt64) {
        _ = self.state.withLock { $0.watches.removeValue(forKey: id) }
    }

    /// The watches due at `now`, removed (what `loop` expires; for tests).
    package func takeDue(at now: ContinuousClock.Instant) -> [@Sendable () -> Void] {
        self.state.withLock { state in
            let due = state.watches.filter { $0.value.deadline <= now }.map(\.key)
            return due.compactMap { state.watches.removeValue(forKey: $0)?.expire }
        }
    }

    private func loop() async {
        while true {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let busy = self.state.withLock { state in
                    if state.watches.isEmpty {
                        state.idleLoop = continuation
                        return false
                    }
                    return true
                }
                if busy { continuation.resume() }
            }
            try? await Task.sleep(for: Self.tick)
            for expire in self.takeDue(at: .now) { expire() }
        }
    }
}
