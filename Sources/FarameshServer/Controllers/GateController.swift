import FarameshAPI
import FarameshCore
import Hummingbird

/// `POST /v1/gate/decide`: decides without recording anything. No database call on this path.
struct GateController: Sendable {
    typealias Context = AppRequestContext

    let policy: PolicyRuntime
    let metrics: ServerMetrics

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("decide", use: self.decide)
    }

    @Sendable func decide(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        var request = request
        let body = try await RequestBody.decode(&request, SubmitActionRequest.init(json:))
        try ActionController.requireActingAs(body.agentID, identity)
        let started = ContinuousClock.now
        let decision = self.policy.decide(body.actionRequest)
        self.metrics.recordDecision(
            outcome: decision.outcome,
            reasonCode: decision.reasonCode,
            duration: ContinuousClock.now - started
        )
        return JSONResponse.make(GateDecisionResponse(decision: decision))
    }
}
