import FarameshAPI
import FarameshCore
import Foundation

// The mapping between domain values (FarameshCore) and their wire form (FarameshAPI). It lives
// here, where both are visible: the wire types stay plain and do not import the domain.

extension SubmitActionRequest {
    /// The domain request (`context` null becomes `{}`, as in the original).
    package var actionRequest: ActionRequest {
        ActionRequest(
            agentID: self.agentID,
            tool: self.tool,
            operation: self.operation,
            params: self.params,
            context: self.context ?? .object([:])
        )
    }
}

extension ActionResponse {
    /// The wire form of `action`; `tokenField` says whether the caller may see the approval token.
    package init(action: Action, tokenField: TokenField) {
        self.init(
            id: action.id.uuidString.lowercased(),
            agentID: action.request.agentID,
            tool: action.request.tool,
            operation: action.request.operation,
            params: action.request.params,
            context: action.request.context,
            status: action.status,
            decision: action.decision,
            reason: action.reason,
            riskLevel: action.riskLevel,
            approvalToken: tokenField == .shown ? action.approvalToken : nil,
            approvalExpiresAt: action.approvalExpiresAt.map { WireTimestamp.format($0) },
            policyVersion: action.policyVersion,
            createdAt: WireTimestamp.format(action.createdAt),
            updatedAt: WireTimestamp.format(action.updatedAt),
            outcome: action.outcome,
            reasonCode: action.reasonCode.rawValue,
            requestHash: action.requestHash,
            policyHash: action.policyHash,
            runtimeVersion: action.runtimeVersion,
            profileID: action.profileID,
            profileVersion: action.profileVersion,
            profileHash: action.profileHash,
            provenanceID: action.provenanceID,
            tokenField: tokenField
        )
    }
}

extension ActionEventResponse {
    package init(event: ActionEvent) {
        self.init(
            id: event.id.uuidString.lowercased(),
            actionID: event.actionID.uuidString.lowercased(),
            eventType: event.type,
            meta: event.meta,
            createdAt: WireTimestamp.format(event.createdAt),
            prevHash: event.prevHash,
            recordHash: event.recordHash,
            seq: event.seq,
            actor: event.actor
        )
    }
}

extension GateDecisionResponse {
    package init(decision: Decision) {
        self.init(
            outcome: decision.outcome,
            decision: decision.effect,
            reasonCode: decision.reasonCode.rawValue,
            reason: decision.reason,
            riskLevel: decision.riskLevel,
            requestHash: decision.requestHash,
            policyVersion: decision.policyVersion,
            policyHash: decision.policyHash,
            profileID: decision.profileID,
            profileVersion: decision.profileVersion,
            profileHash: decision.profileHash,
            runtimeVersion: decision.runtimeVersion,
            provenanceID: decision.provenanceID
        )
    }
}
