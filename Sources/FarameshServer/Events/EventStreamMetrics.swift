import FarameshCore
import Foundation
import Prometheus

/// Live-update figures, registered in the server's registry:
/// `faramesh_sse_clients`, `faramesh_sse_disconnects_total{reason}`, `faramesh_sse_refused_total`,
/// `faramesh_events_delivered_total`, `faramesh_event_delivery_lag_seconds` (event recorded →
/// hub hands it to its clients, across replicas), `faramesh_event_listener_connected`,
/// `faramesh_event_feed_held` (a gap is holding delivery back), `faramesh_event_feed_read_failures_total`.
struct EventStreamMetrics: Sendable {
    enum Disconnect: String, CaseIterable, Sendable {
        case tooSlow = "too_slow"
        case clientGone = "client_gone"
        case shutdown
    }

    static let lagBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .seconds(2), .seconds(5), .seconds(10),
    ]

    private let clients: Gauge
    private let disconnects: [Disconnect: Counter]
    private let refused: Counter
    private let delivered: Counter
    private let lag: DurationHistogram
    private let listenerConnected: Gauge
    private let feedHeld: Gauge
    private let readFailures: Counter

    init(_ metrics: ServerMetrics) {
        let registry = metrics.registry
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "faramesh", metricName: metric, unitName: unit, helpText: help)
        }
        self.clients = registry.makeGauge(
            descriptor: name("sse_clients", "", "Open GET /v1/events streams on this replica.")
        )
        var disconnects: [Disconnect: Counter] = [:]
        for reason in Disconnect.allCases {
            disconnects[reason] = registry.makeCounter(
                descriptor: name(
                    "sse_disconnects",
                    "total",
                    "Event streams ended by the server or the client, by reason."
                ),
                labels: [("reason", reason.rawValue)]
            )
        }
        self.disconnects = disconnects
        self.refused = registry.makeCounter(
            descriptor: name(
                "sse_refused",
                "total",
                "Event streams refused because the replica's client limit was reached."
            )
        )
        self.delivered = registry.makeCounter(
            descriptor: name(
                "events_delivered",
                "total",
                "Events the hub handed to its stream clients (once per event)."
            )
        )
        self.lag = registry.makeDurationHistogram(
            descriptor: name(
                "event_delivery_lag",
                "seconds",
                "Time from an event being recorded (on any replica) to this replica's hub delivering it."
            ),
            labels: [],
            buckets: Self.lagBuckets
        )
        self.listenerConnected = registry.makeGauge(
            descriptor: name("event_listener_connected", "", "1 while the commit doorbell (LISTEN) is connected.")
        )
        self.feedHeld = registry.makeGauge(
            descriptor: name(
                "event_feed_held",
                "",
                "1 while delivery waits for an earlier event that may still commit."
            )
        )
        self.readFailures = registry.makeCounter(
            descriptor: name("event_feed_read_failures", "total", "Failed reads of the event feed (retried).")
        )
    }

    func setClients(_ count: Int) { self.clients.set(Double(count)) }
    func recordDisconnect(_ reason: Disconnect) { self.disconnects[reason]?.increment() }
    func recordRefused() { self.refused.increment() }
    func setListenerConnected(_ connected: Bool) { self.listenerConnected.set(Double(connected ? 1 : 0)) }
    func setFeedHeld(_ held: Bool) { self.feedHeld.set(Double(held ? 1 : 0)) }
    func recordFeedReadFailure() { self.readFailures.increment() }

    func recordDelivered(_ frames: [EventFrame]) {
        guard !frames.isEmpty else { return }
        self.delivered.increment(by: Int64(frames.count))
        let now = WireTimestamp.microseconds(Date())
        for frame in frames {
            self.lag.record(.microseconds(max(0, now - frame.createdAtMicros)))
        }
    }
}
