import Prometheus

/// Ledger figures, in the server's registry: `faramesh_ledger_sealed_events_total`,
/// `faramesh_ledger_checkpoints_total`, `faramesh_ledger_size` (positions sealed by this
/// replica's sealer), `faramesh_ledger_sealer_active` (1 while this replica holds the role),
/// `faramesh_ledger_seal_lag_seconds` (event recorded → sealed), `faramesh_ledger_batch_seconds`,
/// `faramesh_ledger_seal_failures_total`.
struct LedgerMetrics: Sendable {
    static let lagBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]
    static let batchBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
    ]

    private let sealed: Counter
    private let checkpoints: Counter
    private let size: Gauge
    private let active: Gauge
    private let lag: DurationHistogram
    private let batch: DurationHistogram
    private let failures: Counter

    init(_ metrics: ServerMetrics) {
        let registry = metrics.registry
        func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(namespace: "faramesh", metricName: metric, unitName: unit, helpText: help)
        }
        sealed = registry.makeCounter(
            descriptor: name("ledger_sealed_events", "total", "Events sealed into the audit ledger by this replica.")
        )
        checkpoints = registry.makeCounter(
            descriptor: name("ledger_checkpoints", "total", "Signed ledger checkpoints made by this replica.")
        )
        size = registry.makeGauge(
            descriptor: name("ledger_size", "", "Ledger positions, as last seen by this replica's sealer.")
        )
        active = registry.makeGauge(
            descriptor: name("ledger_sealer_active", "", "1 while this replica holds the sealing role.")
        )
        lag = registry.makeDurationHistogram(
            descriptor: name("ledger_seal_lag", "seconds", "Time from an event being recorded to it being sealed."),
            labels: [],
            buckets: Self.lagBuckets
        )
        batch = registry.makeDurationHistogram(
            descriptor: name("ledger_batch", "seconds", "Duration of one sealing transaction."),
            labels: [],
            buckets: Self.batchBuckets
        )
        failures = registry.makeCounter(
            descriptor: name("ledger_seal_failures", "total", "Sealing attempts that failed (retried).")
        )
    }

    func recordBatch(events: Int, checkpoint: Bool, size: Int64, duration: Duration, lags: [Duration]) {
        if events > 0 { sealed.increment(by: Int64(events)) }
        if checkpoint { checkpoints.increment() }
        self.size.set(to: Double(size))
        batch.record(duration)
        for value in lags { lag.record(value) }
    }

    func setActive(_ holding: Bool) { active.set(to: holding ? 1 : 0) }
    func recordFailure() { failures.increment() }
}
