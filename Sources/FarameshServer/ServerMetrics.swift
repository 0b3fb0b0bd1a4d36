import FarameshAPI
import FarameshCore
import FarameshStore
import Prometheus
import Synchronization

/// The service's Prometheus metrics, in their own registry (nothing global, so every test app
/// has its own). Label sets are bounded: routes are the router's templates, reason codes a
/// closed enum.
///
/// Database pool use is what the store counts itself (`DatabaseUsage`): PostgresNIO's pool
/// exposes no statistics, but every store call holds or waits for exactly one connection.
package final class ServerMetrics: Sendable {
    package let registry: PrometheusCollectorRegistry

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct DecisionKey: Hashable {
        var outcome: DecisionOutcome
        var code: ReasonCode
    }

    private struct RouteKey: Hashable {
        var route: String
        var method: String
    }

    private struct StatusTool: Hashable {
        var status: ActionStatus
        var tool: String
    }

    private struct ToolOperation: Hashable, Sendable {
        var tool: String
        var operation: String
    }

    /// Per key: ours (`faramesh_http_requests_total`) and the compatibility counter
    /// (`faramesh_requests_total`), found with one lock.
    private let requestCounters = Mutex<[RequestKey: (ours: Counter, compat: Counter)]>([:])
    /// Compatibility series of Faramesh Core 0.3 (`faramesh_requests_total`, `faramesh_errors_total`,
    /// `faramesh_actions_total`, `faramesh_action_duration_seconds`), for dashboards built on it.
    private let compatErrors: [String: Counter]
    private let compatActionCounters = Mutex<[StatusTool: Counter]>([:])
    private let compatDurations = Mutex<[ToolOperation: DurationHistogram]>([:])
    /// `tool` and `operation` are agent-controlled: at most this many distinct tools (and
    /// tool/operation pairs) get their own series; the rest are counted as `other`.
    static let compatLabelLimit = 50
    private let compatTools = MetricLabelCap<String>(limit: compatLabelLimit)
    private let compatPairs = MetricLabelCap<ToolOperation>(limit: compatLabelLimit)
    private let requestDurations = Mutex<[RouteKey: DurationHistogram]>([:])
    /// One counter per (outcome, reason code): closed sets, created up front.
    private let decisionCounters: [DecisionKey: Counter]
    private let decisionLatency: DurationHistogram
    private let approvalWaitApproved: DurationHistogram
    private let approvalWaitDenied: DurationHistogram
    private let policyReloadSuccess: Counter
    private let policyReloadFailure: Counter
    private let expiredApprovals: Counter
    /// Actions currently waiting for a human (refreshed by the expiry sweeper).
    package let pendingApprovals: Gauge
    private let databaseOperations: Gauge
    private let databaseConnectionLimit: Gauge
    private let submissions: [ActionStatus: Counter]
    /// Server-side executions by how they ended (closed set, created up front).
    private let executions: [ExecutionResult: Counter]
    private let executionDuration: DurationHistogram
    /// Executor commands running on this replica.
    package let executionsRunning: Gauge

    static let httpBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    static let decisionBuckets: [Duration] = [
        .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50),
    ]
    static let approvalWaitBuckets: [Duration] = [
        .seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
        .seconds(600), .seconds(1800), .seconds(3600), .seconds(7200), .seconds(21600), .seconds(86400),
    ]

    static let executionBuckets: [Duration] = [
        .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
        .seconds(900), .seconds(3600),
    ]

    /// prometheus_client's default histogram buckets, as the original used.
    static let compatDurationBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(75),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .milliseconds(750), .seconds(1),
        .milliseconds(2500), .seconds(5), .milliseconds(7500), .seconds(10),
    ]

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var compatErrors: [String: Counter] = [:]
        for code in ErrorCode.allCases {
            compatErrors[code.rawValue] = registry.makeCounter(
                descriptor: Self.descriptor(
                    "errors",
                    unit: "total",
                    help: "Compatibility series (Faramesh Core 0.3): error answers, by error code."
                ),
                labels: [("error_type", code.rawValue)]
            )
        }
        self.compatErrors = compatErrors
        var decisions: [DecisionKey: Counter] = [:]
        for outcome in DecisionOutcome.allCases {
            for code in ReasonCode.allCases {
                decisions[DecisionKey(outcome: outcome, code: code)] = registry.makeCounter(
                    descriptor: Self.descriptor(
                        "decisions",
                        unit: "total",
                        help: "Policy decisions made (submissions and gate/decide), by outcome and reason code."
                    ),
                    labels: [("outcome", outcome.rawValue), ("reason_code", code.rawValue)]
                )
            }
        }
        self.decisionCounters = decisions
        self.decisionLatency = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "decision_duration",
                unit: "seconds",
                help: "Time the decision engine took for one decision."
            ),
            labels: [],
            buckets: Self.decisionBuckets
        )
        self.approvalWaitApproved = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "approval_wait",
                unit: "seconds",
                help: "Time from submission to a human approval or denial."
            ),
            labels: [("result", "approved")],
            buckets: Self.approvalWaitBuckets
        )
        self.approvalWaitDenied = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "approval_wait",
                unit: "seconds",
                help: "Time from submission to a human approval or denial."
            ),
            labels: [("result", "denied")],
            buckets: Self.approvalWaitBuckets
        )
        self.policyReloadSuccess = registry.makeCounter(
            descriptor: Self.descriptor(
                "policy_reloads",
                unit: "total",
                help: "Policy (and profile) reload attempts by result; a failed reload keeps the last good policy."
            ),
            labels: [("result", "success")]
        )
        self.policyReloadFailure = registry.makeCounter(
            descriptor: Self.descriptor(
                "policy_reloads",
                unit: "total",
                help: "Policy (and profile) reload attempts by result; a failed reload keeps the last good policy."
            ),
            labels: [("result", "failure")]
        )
        self.expiredApprovals = registry.makeCounter(
            descriptor: Self.descriptor(
                "approvals_expired",
                unit: "total",
                help: "Pending approvals that passed their deadline and were expired by the sweeper."
            )
        )
        self.pendingApprovals = registry.makeGauge(
            descriptor: Self.descriptor(
                "pending_approvals",
                unit: "",
                help: "Actions waiting for a human decision (refreshed by the expiry sweeper)."
            )
        )
        self.databaseOperations = registry.makeGauge(
            descriptor: Self.descriptor(
                "db_operations_in_flight",
                unit: "",
                help:
                    "Database calls holding or waiting for a pooled connection; above faramesh_db_pool_connections_max means callers queue."
            )
        )
        self.databaseConnectionLimit = registry.makeGauge(
            descriptor: Self.descriptor(
                "db_pool_connections_max",
                unit: "",
                help: "Most connections the store opens for calls (pool size)."
            )
        )
        var submissions: [ActionStatus: Counter] = [:]
        for status in [ActionStatus.allowed, .denied, .pendingApproval] {
            submissions[status] = registry.makeCounter(
                descriptor: Self.descriptor(
                    "actions_submitted",
                    unit: "total",
                    help: "Actions recorded by POST /v1/actions, by initial status (idempotent retries not counted)."
                ),
                labels: [("status", status.rawValue)]
            )
        }
        self.submissions = submissions
        var executions: [ExecutionResult: Counter] = [:]
        for result in ExecutionResult.allCases {
            executions[result] = registry.makeCounter(
                descriptor: Self.descriptor(
                    "executions",
                    unit: "total",
                    help:
                        "Server-side executor runs by result (succeeded, failed, timeout, start_failed, invalid_params, shutdown, lost)."
                ),
                labels: [("result", result.rawValue)]
            )
        }
        self.executions = executions
        self.executionDuration = registry.makeDurationHistogram(
            descriptor: Self.descriptor(
                "execution_duration",
                unit: "seconds",
                help: "Wall time of server-side executor commands, from spawn to exit."
            ),
            labels: [],
            buckets: Self.executionBuckets
        )
        self.executionsRunning = registry.makeGauge(
            descriptor: Self.descriptor(
                "executions_running",
                unit: "",
                help: "Server-side executor commands running on this replica."
            )
        )
    }

    private static func descriptor(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "faramesh", metricName: name, unitName: unit, helpText: help)
    }

    // MARK: recording

    /// One answered HTTP request. `route` is the router template (bounded), never the raw path.
    package func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let key = RequestKey(route: route, method: method, status: status)
        let counters = self.requestCounters.withLock { counters in
            if let c = counters[key] { return c }
            let ours = self.registry.makeCounter(
                descriptor: Self.descriptor(
                    "http_requests",
                    unit: "total",
                    help: "HTTP requests answered, by route template, method and status code."
                ),
                labels: [("route", route), ("method", method), ("status", String(status))]
            )
            let compat = self.registry.makeCounter(
                descriptor: Self.descriptor(
                    "requests",
                    unit: "total",
                    help:
                        "Compatibility series (Faramesh Core 0.3): HTTP requests, by method, endpoint (route template) and status."
                ),
                labels: [("method", method), ("endpoint", route), ("status", String(status))]
            )
            counters[key] = (ours, compat)
            return (ours, compat)
        }
        counters.ours.increment()
        counters.compat.increment()
        let routeKey = RouteKey(route: route, method: method)
        let histogram = self.requestDurations.withLock { histograms in
            if let h = histograms[routeKey] { return h }
            let h = self.registry.makeDurationHistogram(
                descriptor: Self.descriptor(
                    "http_request_duration",
                    unit: "seconds",
                    help: "HTTP request latency, by route template and method."
                ),
                labels: [("route", route), ("method", method)],
                buckets: Self.httpBuckets
            )
            histograms[routeKey] = h
            return h
        }
        histogram.record(duration)
    }

    package func recordDecision(outcome: DecisionOutcome, reasonCode: ReasonCode, duration: Duration) {
        self.decisionCounters[DecisionKey(outcome: outcome, code: reasonCode)]?.increment()
        self.decisionLatency.record(duration)
    }

    package func recordSubmission(status: ActionStatus) {
        self.submissions[status]?.increment()
    }

    /// One error answer (`code` of the JSON body).
    package func recordError(code: String) {
        self.compatErrors[code]?.increment()
    }

    /// Compatibility series for one answered submit: `faramesh_actions_total{status,tool}` when
    /// it recorded a new action, and `faramesh_action_duration_seconds{tool,operation}` always.
    package func recordCompatSubmission(
        status: ActionStatus,
        tool: String,
        operation: String,
        created: Bool,
        duration: Duration
    ) {
        let toolLabel = self.compatTools.admits(tool) ? tool : MetricLabelCap<String>.overflow
        if created {
            let key = StatusTool(status: status, tool: toolLabel)
            let counter = self.compatActionCounters.withLock { counters in
                if let c = counters[key] { return c }
                let c = self.registry.makeCounter(
                    descriptor: Self.descriptor(
                        "actions",
                        unit: "total",
                        help:
                            "Compatibility series (Faramesh Core 0.3): actions submitted, by initial status and tool (tools past the first \(Self.compatLabelLimit) are 'other')."
                    ),
                    labels: [("status", status.rawValue), ("tool", toolLabel)]
                )
                counters[key] = c
                return c
            }
            counter.increment()
        }
        let pair = ToolOperation(tool: tool, operation: operation)
        let key =
            self.compatPairs.admits(pair)
            ? pair : ToolOperation(tool: MetricLabelCap<String>.overflow, operation: MetricLabelCap<String>.overflow)
        let histogram = self.compatDurations.withLock { histograms in
            if let h = histograms[key] { return h }
            let h = self.registry.makeDurationHistogram(
                descriptor: Self.descriptor(
                    "action_duration",
                    unit: "seconds",
                    help:
                        "Compatibility series (Faramesh Core 0.3): submit handling time, by tool and operation (pairs past the first \(Self.compatLabelLimit) are 'other')."
                ),
                labels: [("tool", key.tool), ("operation", key.operation)],
                buckets: Self.compatDurationBuckets
            )
            histograms[key] = h
            return h
        }
        histogram.record(max(duration, .zero))
    }

    package func recordApprovalWait(approved: Bool, wait: Duration) {
        (approved ? self.approvalWaitApproved : self.approvalWaitDenied).record(max(wait, .zero))
    }

    package func recordPolicyReload(success: Bool) {
        (success ? self.policyReloadSuccess : self.policyReloadFailure).increment()
    }

    package func recordExpired(count: Int) {
        if count > 0 { self.expiredApprovals.increment(by: Int64(count)) }
    }

    /// Refreshed on every scrape.
    package func recordDatabaseUsage(_ usage: DatabaseUsage) {
        self.databaseOperations.set(Double(usage.operationsInFlight))
        self.databaseConnectionLimit.set(Double(usage.connectionLimit))
    }

    package func recordExecution(result: ExecutionResult) {
        self.executions[result]?.increment()
    }

    package func recordExecutionDuration(_ duration: Duration) {
        self.executionDuration.record(max(duration, .zero))
    }

    /// Prometheus text exposition (format 0.0.4).
    package func exposition() -> [UInt8] {
        self.registry.emitToBuffer()
    }
}
