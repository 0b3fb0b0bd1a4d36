import NIOCore
import Prometheus
import Synchronization

/// The open HTTP connections of this replica and what each is doing, shared by every event
/// loop. Enforces `ConnectionLimits.maxConnections` on connections that are not event streams:
/// at the cap a new connection sheds the oldest connection that is not being answered (idle,
/// or still sending its head or body), so idle or slowloris sockets can never lock out
/// `/health` or real callers: a real caller sends its request at once, an attacker has to keep
/// reconnecting to stay among the newest. Connections busy being answered are never shed.
final class ConnectionRegistry: Sendable {
    /// What a connection is doing.
    enum Phase: Int, Sendable, Comparable {
        /// Waiting for the next request.
        case idle = 0
        /// Receiving a request head.
        case head = 1
        /// Receiving a request body.
        case body = 2
        /// The server is answering (not counted as sheddable).
        case responding = 3
        /// An established `text/event-stream` response: not counted against the cap (event
        /// streams have their own, `EventHubConfiguration.maxClients`), never shed.
        case stream = 4
        /// Chosen to be shed; closing.
        case shedding = 5

        static func < (a: Phase, b: Phase) -> Bool { a.rawValue < b.rawValue }
        var isSheddable: Bool { self <= .body }
        var countsAgainstCap: Bool { self <= .responding }
    }

    /// Why the server closed a connection (metric label).
    enum CloseReason: String, CaseIterable, Sendable {
        case idleTimeout = "idle_timeout"
        case headerTimeout = "header_timeout"
        case bodyTimeout = "body_timeout"
        /// Shed at the cap for a newer connection.
        case shed
        /// Refused at the cap: every connection was busy answering.
        case refused
    }

    private struct Entry {
        var channel: any Channel
        var phase: Phase
        /// When the connection was accepted: the oldest sheddable connection goes first.
        var opened: NIODeadline
    }

    private struct State {
        var entries: [ObjectIdentifier: Entry] = [:]
        /// Entries whose phase counts against the cap.
        var counted = 0
    }

    let maxConnections: Int
    private let state = Mutex(State())
    private let closed: [CloseReason: Counter]
    private let open: Gauge

    init(maxConnections: Int, metrics: ServerMetrics) {
        self.maxConnections = maxConnections
        var closed: [CloseReason: Counter] = [:]
        for reason in CloseReason.allCases {
            closed[reason] = metrics.registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "faramesh",
                    subsystem: "http",
                    metricName: "connections_closed",
                    unitName: "total",
                    helpText:
                        "HTTP connections the server closed itself: deadlines (idle, head, body) and the connection cap (shed, refused)."
                ),
                labels: [("reason", reason.rawValue)]
            )
        }
        self.closed = closed
        self.open = metrics.registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "faramesh",
                subsystem: "http",
                metricName: "connections_open",
                unitName: "",
                helpText: "Open HTTP connections, event streams included."
            )
        )
    }

    /// Registers a new connection (phase `.idle`). At the cap, sheds the oldest sheddable
    /// connection; returns false when there is none (the caller closes the new connection).
    func opened(_ channel: any Channel) -> Bool {
        let id = ObjectIdentifier(channel)
        let now = NIODeadline.now()
        let (admitted, victim, total): (Bool, (any Channel)?, Int) = self.state.withLock { state in
            var victim: (any Channel)?
            if state.counted >= self.maxConnections {
                var best: (id: ObjectIdentifier, opened: NIODeadline)?
                for (key, entry) in state.entries where entry.phase.isSheddable {
                    if let current = best, current.opened <= entry.opened { continue }
                    best = (key, entry.opened)
                }
                guard let best else { return (false, nil, state.entries.count) }
                victim = state.entries[best.id]?.channel
                state.entries[best.id]?.phase = .shedding
                state.counted -= 1
            }
            state.entries[id] = Entry(channel: channel, phase: .idle, opened: now)
            state.counted += 1
            return (true, victim, state.entries.count)
        }
        self.open.set(Double(total))
        if let victim {
            self.closed[.shed]?.increment()
            victim.close(promise: nil)
        }
        if !admitted { self.closed[.refused]?.increment() }
        return admitted
    }

    /// Records what the connection does now. A connection already chosen for shedding stays so.
    func update(_ channel: any Channel, phase: Phase) {
        let id = ObjectIdentifier(channel)
        self.state.withLock { state in
            guard let entry = state.entries[id], entry.phase != .shedding, entry.phase != phase else { return }
            state.counted += (phase.countsAgainstCap ? 1 : 0) - (entry.phase.countsAgainstCap ? 1 : 0)
            state.entries[id]?.phase = phase
        }
    }

    func closed(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let total: Int = self.state.withLock { state in
            if let entry = state.entries.removeValue(forKey: id), entry.phase.countsAgainstCap {
                state.counted -= 1
            }
            return state.entries.count
        }
        self.open.set(Double(total))
    }

    func recordTimeout(_ reason: CloseReason) {
        self.closed[reason]?.increment()
    }

    /// Connections counted against the cap, and all open connections (tests, diagnostics).
    var counts: (counted: Int, open: Int) {
        self.state.withLock { ($0.counted, $0.entries.count) }
    }
}
