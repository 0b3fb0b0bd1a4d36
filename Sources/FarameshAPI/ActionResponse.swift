import Foundation

/// The action object of `POST /v1/actions`, `GET /v1/actions[/{id}]` and the transition routes:
/// the 26 fields of the original (null when unset) plus `approval_expires_at`.
package struct ActionResponse: Sendable, Hashable, JSONWritable {
    /// How the `approval_token` member is written.
    package enum TokenField: Sendable, Hashable {
        /// The token (approver/admin callers).
        case shown
        /// `"approval_token": null` (agent callers).
        case hidden
        /// No member at all (list responses, as in the original).
        case omitted
    }

    package var id: String
    package var agentID: String
    package var tool: String
    package var operation: String
    package var params: JSONValue
    package var context: JSONValue
    package var status: ActionStatus
    package var decision: PolicyEffect
    package var reason: String?
    package var riskLevel: RiskLevel
    package var approvalToken: String?
    package var approvalExpiresAt: String?
    package var policyVersion: String?
    package var createdAt: String
    package var updatedAt: String
    package var outcome: DecisionOutcome
    package var reasonCode: String
    package var requestHash: String
    package var policyHash: String?
    package var runtimeVersion: String?
    package var profileID: String?
    package var profileVersion: String?
    package var profileHash: String?
    package var provenanceID: String?
    /// How `approvalToken` is written by `write(to:)`.
    package var tokenField: TokenField

    /// Every member as written (the server builds it from an `Action`, see FarameshServer).
    package init(
        id: String,
        agentID: String,
        tool: String,
        operation: String,
        params: JSONValue,
        context: JSONValue,
        status: ActionStatus,
        decision: PolicyEffect,
        reason: String?,
        riskLevel: RiskLevel,
        approvalToken: String?,
        approvalExpiresAt: String?,
        policyVersion: String?,
        createdAt: String,
        updatedAt: String,
        outcome: DecisionOutcome,
        reasonCode: String,
        requestHash: String,
        policyHash: String?,
        runtimeVersion: String?,
        profileID: String?,
        profileVersion: String?,
        profileHash: String?,
        provenanceID: String?,
        tokenField: TokenField
    ) {
        self.id = id
        self.agentID = agentID
        self.tool = tool
        self.operation = operation
        self.params = params
        self.context = context
        self.status = status
        self.decision = decision
        self.reason = reason
        self.riskLevel = riskLevel
        self.approvalToken = approvalToken
        self.approvalExpiresAt = approvalExpiresAt
        self.policyVersion = policyVersion
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.outcome = outcome
        self.reasonCode = reasonCode
        self.requestHash = requestHash
        self.policyHash = policyHash
        self.runtimeVersion = runtimeVersion
        self.profileID = profileID
        self.profileVersion = profileVersion
        self.profileHash = profileHash
        self.provenanceID = provenanceID
        self.tokenField = tokenField
    }

    /// Reads a response body (client side). Unknown members are ignored; known ones are type-checked.
    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.id = try r.string("id")
        self.agentID = try r.string("agent_id")
        self.tool = try r.string("tool")
        self.operation = try r.string("operation")
        self.params = try r.object("params")
        self.context = try r.optionalObject("context") ?? .object([:])
        self.status = try r.enumValue("status", ActionStatus.self)
        self.decision = try r.enumValue("decision", PolicyEffect.self)
        self.reason = try r.optionalString("reason")
        self.riskLevel = try r.enumValue("risk_level", RiskLevel.self)
        self.approvalToken = try r.optionalString("approval_token")
        self.approvalExpiresAt = try r.optionalString("approval_expires_at")
        self.policyVersion = try r.optionalString("policy_version")
        self.createdAt = try r.string("created_at")
        self.updatedAt = try r.string("updated_at")
        self.outcome = try r.enumValue("outcome", DecisionOutcome.self)
        self.reasonCode = try r.string("reason_code")
        self.requestHash = try r.string("request_hash")
        self.policyHash = try r.optionalString("policy_hash")
        self.runtimeVersion = try r.optionalString("runtime_version")
        self.profileID = try r.optionalString("profile_id")
        self.profileVersion = try r.optionalString("profile_version")
        self.profileHash = try r.optionalString("profile_hash")
        self.provenanceID = try r.optionalString("provenance_id")
        self.tokenField = r.raw("approval_token") == nil ? .omitted : (self.approvalToken == nil ? .hidden : .shown)
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("id", self.id)
        w.member("agent_id", self.agentID)
        w.member("tool", self.tool)
        w.member("operation", self.operation)
        w.member("params", json: self.params)
        w.member("context", json: self.context)
        w.member("status", self.status.rawValue)
        w.member("decision", self.decision.rawValue)
        w.member("reason", self.reason)
        w.member("risk_level", self.riskLevel.rawValue)
        switch self.tokenField {
        case .shown: w.member("approval_token", self.approvalToken)
        case .hidden: w.nullMember("approval_token")
        case .omitted: break
        }
        w.member("approval_expires_at", self.approvalExpiresAt)
        w.member("policy_version", self.policyVersion)
        w.member("created_at", self.createdAt)
        w.member("updated_at", self.updatedAt)
        // As in the original: what to call next, for our SDKs (never a token).
        w.member("js_example", ActionSnippets.javaScript(actionID: self.id, status: self.status))
        w.member("python_example", ActionSnippets.python(actionID: self.id, status: self.status))
        w.member("outcome", self.outcome.rawValue)
        w.member("reason_code", self.reasonCode)
        w.key("reason_details")
        w.beginObject()
        w.member("risk_level", self.riskLevel.rawValue)
        w.endObject()
        w.member("request_hash", self.requestHash)
        w.member("policy_hash", self.policyHash)
        w.member("runtime_version", self.runtimeVersion)
        w.member("profile_id", self.profileID)
        w.member("profile_version", self.profileVersion)
        w.member("profile_hash", self.profileHash)
        w.member("provenance_id", self.provenanceID)
        w.endObject()
    }
}
