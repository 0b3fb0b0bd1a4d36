import FarameshCore
import Foundation
import Testing

@Suite("ActionStateMachine")
struct ActionStateMachineTests {
    static let t0 = WireTimestamp.date(microseconds: 1_780_000_000_000_000)
    static let eventID = UUID(uuidString: "00000000-0000-4000-8000-0000000000e1")!

    static func action(
        _ status: ActionStatus,
        decision: PolicyEffect = .requireApproval,
        expiresAt: Date? = nil
    ) -> Action {
        Action(
            id: UUID(uuidString: "00000000-0000-4000-8000-00000000a001")!,
            request: ActionRequest(agentID: "agent-1", tool: "shell", operation: "run"),
            status: status,
            decision: decision,
            outcome: .abstain,
            reason: "rule says wait",
            reasonCode: .policyRequireApproval,
            riskLevel: .medium,
            requestHash: "rh",
            runtimeVersion: "test",
            provenanceID: "prov",
            approvalToken: status == .pendingApproval ? "apt" : nil,
            approvalExpiresAt: expiresAt ?? (status == .pendingApproval ? t0.addingTimeInterval(60) : nil),
            createdAt: t0,
            updatedAt: t0,
            version: 3,
            lastEventHash: "prev-hash"
        )
    }

    @Test(
        "every transition from every status: legal moves apply, the rest are illegal",
        arguments: ActionStatus.allCases
    )
    func everyMove(from status: ActionStatus) {
        for transition in ActionTransition.allCases {
            let current = Self.action(status)
            let now = Self.t0.addingTimeInterval(1)
            let change = TransitionRequest(
                transition: transition,
                actor: "alice",
                reason: "why",
                meta: .object(["k": .int(1)]),
                now: now
            )
            let step = ActionStateMachine.step(change, from: current, eventID: Self.eventID)
            guard let target = transition.target(from: status) else {
                #expect(step == .illegal(current: current), "\(transition) from \(status)")
                continue
            }
            guard case .apply(let written) = step else {
                Issue.record("\(transition) from \(status) must apply")
                continue
            }
            let updated = written.action
            #expect(updated.status == target)
            #expect(updated.version == 4)
            #expect(updated.reason == "why")
            #expect(updated.updatedAt == now)
            #expect(updated.approvalToken == nil)
            #expect(updated.decision == (transition.resultingDecision ?? current.decision))
            #expect(written.events.count == 1)
            let event = written.events[0]
            #expect(event.id == Self.eventID)
            #expect(event.type == transition.eventType)
            #expect(event.actor == "alice")
            #expect(event.meta == .object(["k": .int(1)]))
            #expect(event.prevHash == "prev-hash")
            #expect(updated.lastEventHash == event.recordHash)
            #expect(
                event.recordHash
                    == EventChain.recordHash(
                        eventID: Self.eventID,
                        actionID: current.id,
                        type: event.type,
                        createdAt: now,
                        meta: event.meta,
                        prevHash: "prev-hash"
                    )
            )
        }
    }

    @Test("approve and deny rewrite the decision and default the reason")
    func humanDecisions() {
        let current = Self.action(.pendingApproval)
        for (transition, decision, reason) in [
            (ActionTransition.approve, PolicyEffect.allow, "Approved by human"),
            (.deny, .deny, "Denied by human"),
        ] {
            let step = ActionStateMachine.step(
                TransitionRequest(transition: transition, actor: "bob", reason: nil, now: Self.t0),
                from: current,
                eventID: Self.eventID
            )
            guard case .apply(let written) = step else {
                Issue.record("\(transition) must apply")
                continue
            }
            #expect(written.action.decision == decision)
            #expect(written.action.reason == reason)
            #expect(ActionStateMachine.effect(of: written.events[0]).reason == reason)
        }
        // Other transitions keep the reason when none is given.
        let started = ActionStateMachine.step(
            TransitionRequest(transition: .start, actor: "a", reason: nil, now: Self.t0),
            from: Self.action(.approved),
            eventID: Self.eventID
        )
        guard case .apply(let written) = started else {
            Issue.record("start must apply")
            return
        }
        #expect(written.action.reason == "rule says wait")
    }

    @Test("a late approval or denial expires instead; at the deadline counts as late")
    func lateApproval() {
        let deadline = Self.t0.addingTimeInterval(30)
        let current = Self.action(.pendingApproval, expiresAt: deadline)
        for transition in [ActionTransition.approve, .deny] {
            for now in [deadline, deadline.addingTimeInterval(5)] {
                let step = ActionStateMachine.step(
                    TransitionRequest(transition: transition, actor: "bob", reason: "ok", now: now),
                    from: current,
                    eventID: Self.eventID
                )
                guard case .expireInstead(let written) = step else {
                    Issue.record("must expire")
                    continue
                }
                #expect(written.action.status == .expired)
                #expect(written.action.decision == current.decision)
                #expect(written.action.reason == current.reason)
                #expect(written.action.approvalToken == nil)
                #expect(written.events.map(\.type) == [.expired])
                #expect(written.events[0].actor == ActionStateMachine.systemActor)
                #expect(written.events[0].meta == .object([:]))
            }
            let early = ActionStateMachine.step(
                TransitionRequest(
                    transition: transition,
                    actor: "bob",
                    reason: nil,
                    now: deadline.addingTimeInterval(-0.001)
                ),
                from: current,
                eventID: Self.eventID
            )
            guard case .apply = early else {
                Issue.record("before the deadline it applies")
                continue
            }
        }
        // The sweeper's expiry.
        guard case .apply(let swept) = ActionStateMachine.expire(current, now: deadline, eventID: Self.eventID) else {
            Issue.record("a due approval expires")
            return
        }
        #expect(swept.action.status == .expired)
        #expect(
            ActionStateMachine.expire(Self.action(.allowed), now: deadline, eventID: Self.eventID)
                == .illegal(current: Self.action(.allowed))
        )
    }

    @Test("allowedFrom narrows the legal statuses")
    func allowedFrom() {
        let change = TransitionRequest(
            transition: .succeed,
            actor: "a",
            reason: nil,
            now: Self.t0,
            allowedFrom: [.allowed, .approved]
        )
        #expect(
            ActionStateMachine.step(change, from: Self.action(.executing), eventID: Self.eventID)
                == .illegal(current: Self.action(.executing))
        )
        guard case .apply = ActionStateMachine.step(change, from: Self.action(.approved), eventID: Self.eventID) else {
            Issue.record("succeed from approved applies")
            return
        }
    }

    @Test("effect(of:) reads status and decision from submit events")
    func submitEvents() {
        let actionID = UUID()
        func event(_ type: ActionEventType, _ meta: [String: JSONValue]) -> ActionEvent {
            EventChain.makeEvent(
                id: Self.eventID,
                actionID: actionID,
                type: type,
                meta: .object(meta),
                actor: "a",
                at: Self.t0,
                prevHash: nil
            )
        }
        let created = ActionStateMachine.effect(of: event(.created, ["decision": .string("require_approval")]))
        #expect(created == EventEffect(status: .pendingApproval, decision: .requireApproval, reason: nil))
        let decided = ActionStateMachine.effect(
            of: event(
                .decisionMade,
                [
                    "decision": .string("deny"), "outcome": .string("HALT"), "reason": .string("blocked"),
                ]
            )
        )
        #expect(decided == EventEffect(status: .denied, decision: .deny, reason: "blocked"))
        let started = ActionStateMachine.effect(of: event(.started, [:]))
        #expect(started == EventEffect(status: .executing, decision: nil, reason: nil))
        for outcome in [DecisionOutcome.execute, .halt, .abstain] {
            #expect(
                ActionStatus(after: outcome)
                    == [.execute: .allowed, .halt: .denied, .abstain: .pendingApproval][outcome]
            )
        }
    }
}
