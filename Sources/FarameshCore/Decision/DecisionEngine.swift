/// The gate: profile, then policy, then version binding. Pure and immutable; `decide` never
/// throws and fails closed (HALT) whenever it cannot decide properly.
///
/// Order: malformed request → HALT INTERNAL_ERROR; profile failed to load → HALT
/// PROFILE_LOAD_ERROR; no policy → HALT MISSING_POLICY; profile `allowed_tools` / HALT rule →
/// HALT; policy (risk rules, rules, high-risk upgrade); a profile ABSTAIN rule or required
/// approval control turns a policy allow into ABSTAIN (a policy deny stays HALT).
public struct DecisionEngine: Sendable {
    public let policy: CompiledPolicy?
    public let profile: ProfileState
    public let runtimeVersion: String

    public init(policy: CompiledPolicy?, profile: ProfileState = .none, runtimeVersion: String) {
        self.policy = policy
        self.profile = profile
        self.runtimeVersion = runtimeVersion
    }

    /// Decides `request`, computing its request hash and canonical params.
    public func decide(_ request: ActionRequest) -> Decision {
        decide(request, requestHash: RequestHash.compute(request))
    }

    /// Decides `request` with values the caller already computed.
    /// - Parameters:
    ///   - requestHash: `RequestHash.compute(request)`.
    ///   - canonicalParams: `CanonicalJSON.string(request.params)` if at hand; computed only if a
    ///     `contains` / `pattern` condition needs it.
    ///   - approvalVerified: the caller has verified (against its own records) that a human
    ///     approved exactly this request; satisfies a profile's `required_controls.approval_token`.
    public func decide(
        _ request: ActionRequest,
        requestHash: String,
        canonicalParams: String? = nil,
        approvalVerified: Bool = false
    ) -> Decision {
        var input = PolicyInput(request: request, canonicalParams: canonicalParams)
        var binding = Binding(requestHash: requestHash, policy: policy, runtimeVersion: runtimeVersion)
        let loadedProfile: CompiledProfile?
        switch profile {
        case .none:
            loadedProfile = nil
        case .loaded(let compiled):
            loadedProfile = compiled
            binding.profileID = compiled.id
            binding.profileVersion = compiled.version
            binding.profileHash = compiled.hash
        case .failed(let message):
            return binding.halt(.profileLoadError, "Execution profile failed to load: \(message)")
        }
        guard case .object = request.params, case .object = request.context else {
            return binding.halt(.internalError, "Request params and context must be JSON objects")
        }
        guard let policy else {
            return binding.halt(.missingPolicy, "No policy is loaded")
        }

        var hold: (ReasonCode, String, Int?)?
        if let loadedProfile {
            switch loadedProfile.check(&input, approvalVerified: approvalVerified) {
            case .pass: break
            case .halt(let code, let reason, let rule):
                var decision = binding.halt(code, reason)
                decision.profileRule = rule
                return decision
            case .hold(let code, let reason, let rule):
                hold = (code, reason, rule)
            }
        }

        let evaluation = policy.evaluate(&input)
        var decision = binding.make(
            outcome: DecisionOutcome(evaluation.effect),
            effect: evaluation.effect,
            reason: evaluation.reason,
            code: evaluation.reasonCode,
            risk: evaluation.riskLevel
        )
        decision.matchedRule = evaluation.matchedRule
        decision.matchedRiskRule = evaluation.matchedRiskRule
        decision.matchedRuleName = evaluation.matchedRule.flatMap { index in
            policy.rules.first { $0.index == index }.map { $0.name ?? "rules[\(index)]" }
        }
        decision.matchedRiskRuleName = evaluation.matchedRiskRule.flatMap { index in
            policy.riskRules.indices.contains(index) ? policy.riskRules[index].name : nil
        }
        decision.approvalTimeout = evaluation.approvalTimeout
        if let (code, reason, rule) = hold, evaluation.effect != .deny {
            decision.outcome = .abstain
            decision.effect = .requireApproval
            decision.reason = reason
            decision.reasonCode = code
            decision.profileRule = rule
        }
        return decision
    }

    /// The version-bound fields every decision carries.
    private struct Binding {
        let requestHash: String
        let policyHash: String?
        let policyVersion: String?
        var profileID: String?
        var profileVersion: String?
        var profileHash: String?
        let runtimeVersion: String

        init(requestHash: String, policy: CompiledPolicy?, runtimeVersion: String) {
            self.requestHash = requestHash
            self.policyHash = policy?.hash
            self.policyVersion = policy?.version
            self.runtimeVersion = runtimeVersion
        }

        func make(
            outcome: DecisionOutcome,
            effect: PolicyEffect,
            reason: String,
            code: ReasonCode,
            risk: RiskLevel
        ) -> Decision {
            Decision(
                outcome: outcome,
                effect: effect,
                reason: reason,
                reasonCode: code,
                riskLevel: risk,
                requestHash: requestHash,
                policyHash: policyHash,
                policyVersion: policyVersion,
                profileID: profileID,
                profileVersion: profileVersion,
                profileHash: profileHash,
                runtimeVersion: runtimeVersion,
                provenanceID: Provenance.id(
                    requestHash: requestHash,
                    policyHash: policyHash,
                    profileHash: profileHash,
                    runtimeVersion: runtimeVersion
                )
            )
        }

        /// Fail-closed and profile HALTs report risk high (as the original does).
        func halt(_ code: ReasonCode, _ reason: String) -> Decision {
            make(outcome: .halt, effect: .deny, reason: reason, code: code, risk: .high)
        }
    }
}
