import Foundation
import Testing

@testable import FarameshCore

@Suite("Action submission")
struct ActionSubmissionTests {
    static let now = WireTimestamp.date(microseconds: 1_780_000_000_000_000)

    static func submitted(_ tool: String, _ operation: String) throws -> (action: Action, events: [ActionEvent]) {
        let request = PolicyFixture.request(tool, operation, [:])
        return ActionSubmission.make(
            request: request,
            decision: try DecisionEngineTests.engine().decide(request),
            actor: "agent-1",
            at: now,
            defaultApprovalTimeout: .seconds(3600)
        )
    }

    @Test("an allowed submission started at once: executing, version 2, started chained after decision_made")
    func allowedStartsAtOnce() throws {
        let (action, events) = try Self.submitted("http", "get")
        #expect(action.status == .allowed)
        let started = try #require(
            ActionSubmission.startedAtOnce(action, events: events, actor: "agent-1", at: Self.now)
        )
        #expect(started.action.status == .executing)
        #expect(started.action.decision == .allow)
        #expect(started.action.version == 2)
        #expect(started.events.map(\.type) == [.created, .decisionMade, .started])
        #expect(Array(started.events.prefix(2)) == events)
        #expect(started.events[2].prevHash == events[1].recordHash)
        #expect(started.events[2].actor == "agent-1")
        #expect(started.action.lastEventHash == started.events[2].recordHash)
        #expect(EventChain.verify(started.events) == .valid(count: 3))
        // Exactly what a later `/start` writes for the same action.
        let later = ActionStateMachine.step(
            TransitionRequest(transition: .start, actor: "agent-1", reason: nil, now: Self.now),
            from: action,
            eventID: started.events[2].id
        )
        #expect(later == .apply(ActionChange(action: started.action, events: [started.events[2]])))
    }

    @Test("held and denied submissions are never started at once", arguments: [("shell", "run"), ("stripe", "refund")])
    func onlyAllowedStarts(tool: String, operation: String) throws {
        let (action, events) = try Self.submitted(tool, operation)
        #expect(action.status != .allowed)
        #expect(ActionSubmission.startedAtOnce(action, events: events, actor: "agent-1", at: Self.now) == nil)
    }
}
