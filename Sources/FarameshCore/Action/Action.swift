import Foundation

/// What an agent asks to do: the part of a submission that is hashed into `request_hash`.
public struct ActionRequest: Sendable, Hashable {
    public var agentID: String
    public var tool: String
    public var operation: String
    /// Always an object.
    public var params: JSONValue
    /// Always an object (`null` on the wire becomes `{}`).
    public var context: JSONValue

    public init(
        agentID: String,
        tool: String,
        operation: String,
        params: JSONValue = .object([:]),
        context: JSONValue = .object([:])
    ) {
        self.agentID = agentID
        self.tool = tool
        self.operation = operation
        self.params = params
        self.context = context
    }
}

/// One recorded action: the request, the decision bound to it, and its current status.
public struct Action: Sendable, Hashable {
    public var id: UUID
    public var request: ActionRequest
    public var status: ActionStatus
    /// The current decision (rewritten to allow/deny after a human decides, as in the original).
    public var decision: PolicyEffect
    /// Fixed at submit.
    public var outcome: DecisionOutcome
    public var reason: String
    public var reasonCode: ReasonCode
    public var riskLevel: RiskLevel
    public var requestHash: String
    public var policyHash: String?
    public var policyVersion: String?
    public var profileID: String?
    public var profileVersion: String?
    public var profileHash: String?
    public var runtimeVersion: String
    public var provenanceID: String
    /// Single-use approval capability while pending; shown only to approver/admin tokens
    /// (never to agents) and cleared when the approval is decided or expires. The authority to
    /// approve is the approver role; the token binds the approval to this pending action.
    public var approvalToken: String?
    public var approvalExpiresAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// Incremented on every change.
    public var version: Int
    /// record_hash of the newest event: the prev_hash of the next one.
    public var lastEventHash: String?

    public init(
        id: UUID,
        request: ActionRequest,
        status: ActionStatus,
        decision: PolicyEffect,
        outcome: DecisionOutcome,
        reason: String,
        reasonCode: ReasonCode,
        riskLevel: RiskLevel,
        requestHash: String,
        policyHash: String? = nil,
        policyVersion: String? = nil,
        profileID: String? = nil,
        profileVersion: String? = nil,
        profileHash: String? = nil,
        runtimeVersion: String,
        provenanceID: String,
        approvalToken: String? = nil,
        approvalExpiresAt: Date? = nil,
        createdAt: Date,
        updatedAt: Date,
        version: Int = 1,
        lastEventHash: String? = nil
    ) {
        self.id = id
        self.request = request
        self.status = status
        self.decision = decision
        self.outcome = outcome
        self.reason = reason
        self.reasonCode = reasonCode
        self.riskLevel = riskLevel
        self.requestHash = requestHash
        self.policyHash = policyHash
        self.policyVersion = policyVersion
        self.profileID = profileID
        self.profileVersion = profileVersion
        self.profileHash = profileHash
        self.runtimeVersion = runtimeVersion
        self.provenanceID = provenanceID
        self.approvalToken = approvalToken
        self.approvalExpiresAt = approvalExpiresAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
        self.lastEventHash = lastEventHash
    }
}

/// One entry of an action's timeline. `recordHash = SHA-256(canonical{id, action_id, event_type,
/// created_at, meta} ‖ prevHash-hex)`; see `EventChain`.
public struct ActionEvent: Sendable, Hashable {
    public var id: UUID
    public var actionID: UUID
    public var type: ActionEventType
    /// Always an object.
    public var meta: JSONValue
    /// Who caused it: the name of the token used ("local" in local mode, "bootstrap-admin" for a
    /// bootstrap token), or "system" (expiry).
    public var actor: String
    public var createdAt: Date
    public var prevHash: String?
    public var recordHash: String
    /// Global cursor (SSE id); assigned by the store on insert, 0 before.
    public var seq: Int64

    public init(
        id: UUID,
        actionID: UUID,
        type: ActionEventType,
        meta: JSONValue,
        actor: String,
        createdAt: Date,
        prevHash: String?,
        recordHash: String,
        seq: Int64 = 0
    ) {
        self.id = id
        self.actionID = actionID
        self.type = type
        self.meta = meta
        self.actor = actor
        self.createdAt = createdAt
        self.prevHash = prevHash
        self.recordHash = recordHash
        self.seq = seq
    }
}
