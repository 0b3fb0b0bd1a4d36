/// `POST /v1/gate/decide`: the original's eleven members plus `decision` and `risk_level`.
package struct GateDecisionResponse: Sendable, Hashable, JSONWritable {
    package var outcome: DecisionOutcome
    package var decision: PolicyEffect
    package var reasonCode: String
    package var reason: String?
    package var riskLevel: RiskLevel
    package var requestHash: String
    package var policyVersion: String?
    package var policyHash: String?
    package var profileID: String?
    package var profileVersion: String?
    package var profileHash: String?
    package var runtimeVersion: String?
    package var provenanceID: String?

    package init(
        outcome: DecisionOutcome,
        decision: PolicyEffect,
        reasonCode: String,
        reason: String?,
        riskLevel: RiskLevel,
        requestHash: String,
        policyVersion: String?,
        policyHash: String?,
        profileID: String?,
        profileVersion: String?,
        profileHash: String?,
        runtimeVersion: String?,
        provenanceID: String?
    ) {
        self.outcome = outcome
        self.decision = decision
        self.reasonCode = reasonCode
        self.reason = reason
        self.riskLevel = riskLevel
        self.requestHash = requestHash
        self.policyVersion = policyVersion
        self.policyHash = policyHash
        self.profileID = profileID
        self.profileVersion = profileVersion
        self.profileHash = profileHash
        self.runtimeVersion = runtimeVersion
        self.provenanceID = provenanceID
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.outcome = try r.enumValue("outcome", DecisionOutcome.self)
        self.decision = try r.enumValue("decision", PolicyEffect.self)
        self.reasonCode = try r.string("reason_code")
        self.reason = try r.optionalString("reason")
        self.riskLevel = try r.enumValue("risk_level", RiskLevel.self)
        self.requestHash = try r.string("request_hash")
        self.policyVersion = try r.optionalString("policy_version")
        self.policyHash = try r.optionalString("policy_hash")
        self.profileID = try r.optionalString("profile_id")
        self.profileVersion = try r.optionalString("profile_version")
        self.profileHash = try r.optionalString("profile_hash")
        self.runtimeVersion = try r.optionalString("runtime_version")
        self.provenanceID = try r.optionalString("provenance_id")
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("outcome", self.outcome.rawValue)
        w.member("decision", self.decision.rawValue)
        w.member("reason_code", self.reasonCode)
        w.member("reason", self.reason)
        w.member("risk_level", self.riskLevel.rawValue)
        w.member("request_hash", self.requestHash)
        w.member("policy_version", self.policyVersion)
        w.member("policy_hash", self.policyHash)
        w.member("profile_id", self.profileID)
        w.member("profile_version", self.profileVersion)
        w.member("profile_hash", self.profileHash)
        w.member("runtime_version", self.runtimeVersion)
        w.member("provenance_id", self.provenanceID)
        w.endObject()
    }
}
