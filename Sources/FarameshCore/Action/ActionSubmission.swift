import Foundation

/// Turns a decision into the new action row and its first two chained events (`created`,
/// `decision_made`): the one definition of what a submission records, used by the server and by
/// demo seeding.
public enum ActionSubmission {
    /// - Parameters:
    ///   - actor: name of the submitting token (recorded on both events).
    ///   - defaultApprovalTimeout: deadline for a held action when the rule sets none.
    ///   - approvalToken: produces the single-use approval capability; called only when the
    ///     decision holds the action for approval.
    ///   - eventID: produces the ids of the two events, in order.
    public static func make(
        id: UUID = UUID(),
        request: ActionRequest,
        decision: Decision,
        actor: String,
        at now: Date,
        defaultApprovalTimeout: Duration,
        approvalToken: () -> String = { RandomToken.urlSafe(bytes: 16) },
        eventID: () -> UUID = { UUID() }
    ) -> (action: Action, events: [ActionEvent]) {
        let status = ActionStatus(after: decision.outcome)
        var token: String?
        var expiresAt: Date?
        if status == .pendingApproval {
            token = approvalToken()
            let timeout = decision.approvalTimeout ?? defaultApprovalTimeout
            let (seconds, attoseconds) = timeout.components
            let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
            expiresAt = WireTimestamp.date(microseconds: WireTimestamp.microseconds(now) + micros)
        }

        let created = EventChain.makeEvent(
            id: eventID(),
            actionID: id,
            type: .created,
            meta: .object([
                "decision": .string(decision.effect.rawValue), "risk_level": .string(decision.riskLevel.rawValue),
            ]),
            actor: actor,
            at: now,
            prevHash: nil
        )
        var decisionMeta: [String: JSONValue] = [
            "decision": .string(decision.effect.rawValue),
            "outcome": .string(decision.outcome.rawValue),
            "reason_code": .string(decision.reasonCode.rawValue),
            "reason": .string(decision.reason),
            "risk_level": .string(decision.riskLevel.rawValue),
            "request_hash": .string(decision.requestHash),
            "provenance_id": .string(decision.provenanceID),
            "policy_hash": decision.policyHash.map(JSONValue.string) ?? .null,
            "policy_version": decision.policyVersion.map(JSONValue.string) ?? .null,
        ]
        if let expiresAt { decisionMeta["approval_expires_at"] = .string(WireTimestamp.format(expiresAt)) }
        // Which rules decided, by name, so a reviewer (the web UI, `faramesh explain`) sees why.
        if let rule = decision.matchedRuleName { decisionMeta["rule"] = .string(rule) }
        if let riskRule = decision.matchedRiskRuleName { decisionMeta["risk_rule"] = .string(riskRule) }
        let decided = EventChain.makeEvent(
            id: eventID(),
            actionID: id,
            type: .decisionMade,
            meta: .object(decisionMeta),
            actor: actor,
            at: now,
            prevHash: created.recordHash
        )

        let action = Action(
            id: id,
            request: request,
            status: status,
            decision: decision.effect,
            outcome: decision.outcome,
            reason: decision.reason,
            reasonCode: decision.reasonCode,
            riskLevel: decision.riskLevel,
            requestHash: decision.requestHash,
            policyHash: decision.policyHash,
            policyVersion: decision.policyVersion,
            profileID: decision.profileID,
            profileVersion: decision.profileVersion,
            profileHash: decision.profileHash,
            runtimeVersion: decision.runtimeVersion,
            provenanceID: decision.provenanceID,
            approvalToken: token,
            approvalExpiresAt: expiresAt,
            createdAt: created.createdAt,
            updatedAt: created.createdAt,
            version: 1,
            lastEventHash: decided.recordHash
        )
        return (action, [created, decided])
    }
}

extension ActionSubmission {
    /// A new action that the policy allowed, started in the same commit as its submit
    /// (`Faramesh-Start: if-allowed`): the `started` event follows `created` and `decision_made`,
    /// exactly as a later `/start` would record it. Nil unless the state machine lets the new
    /// action start (only an allowed one).
    public static func startedAtOnce(
        _ action: Action,
        events: [ActionEvent],
        actor: String,
        at now: Date,
        eventID: UUID = UUID()
    ) -> (action: Action, events: [ActionEvent])? {
        let start = TransitionRequest(transition: .start, actor: actor, reason: nil, now: now)
        guard action.status == .allowed,
            case .apply(let change) = ActionStateMachine.step(start, from: action, eventID: eventID)
        else { return nil }
        return (change.action, events + change.events)
    }
}

/// Random secrets as URL-safe base64 without padding (approval tokens: 16 bytes, 22 characters
/// like the original; API tokens: 32 bytes).
public enum RandomToken {
    public static func urlSafe(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
