import Testing

@testable import FarameshCore

@Suite("Decision engine")
struct DecisionEngineTests {
    typealias F = PolicyFixture

    static let policyYAML = """
        version: "2026.1"
        rules:
          - match: {tool: http, op: get}
            allow: true
            description: Allow HTTP GET requests
            risk: low
          - match: {tool: shell}
            require_approval: true
            description: Shell commands require approval
            risk: medium
            approval_timeout: 45m
          - match: {tool: "*", op: "*"}
            deny: true
            description: Default deny rule
            risk: high
        risk:
          rules:
            - name: metadata
              when: {tool: http, contains: "169.254.169.254"}
              risk_level: high
        """

    static func engine() throws -> DecisionEngine {
        DecisionEngine(policy: try F.compile(policyYAML), runtimeVersion: "0.4.0")
    }

    @Test("allow → EXECUTE, require_approval → ABSTAIN, deny → HALT, with the policy's reason and code")
    func outcomes() throws {
        let engine = try Self.engine()
        let allowed = engine.decide(F.request("http", "get", ["url": .string("https://example.com")]))
        #expect(allowed.outcome == .execute && allowed.effect == .allow && allowed.reasonCode == .policyAllow)
        #expect(allowed.reason == "Allow HTTP GET requests" && allowed.riskLevel == .low && allowed.matchedRule == 0)
        #expect(allowed.approvalTimeout == nil)

        let pending = engine.decide(F.request("shell", "run", ["cmd": .string("echo hi")]))
        #expect(pending.outcome == .abstain && pending.effect == .requireApproval)
        #expect(pending.reasonCode == .policyRequireApproval && pending.riskLevel == .medium)
        #expect(pending.approvalTimeout == .seconds(2700))

        let denied = engine.decide(F.request("github", "merge"))
        #expect(denied.outcome == .halt && denied.effect == .deny && denied.reasonCode == .policyDeny)
        #expect(denied.reason == "Default deny rule" && denied.riskLevel == .high && denied.matchedRule == 2)

        let upgraded = engine.decide(F.request("http", "get", ["url": .string("http://169.254.169.254/latest")]))
        #expect(upgraded.outcome == .abstain && upgraded.reasonCode == .riskUpgrade && upgraded.riskLevel == .high)
        #expect(upgraded.matchedRiskRule == 0)
    }

    @Test("every decision carries request, policy, runtime and provenance bindings")
    func versionBinding() throws {
        let engine = try Self.engine()
        let request = F.request("http", "get", ["url": .string("https://example.com")], agent: "agent-7")
        let decision = engine.decide(request)
        let requestHash = RequestHash.compute(request)
        #expect(decision.requestHash == requestHash)
        #expect(decision.policyHash == engine.policy?.hash)
        #expect(decision.policyVersion == "2026.1")
        #expect(decision.runtimeVersion == "0.4.0")
        #expect(decision.profileID == nil && decision.profileVersion == nil && decision.profileHash == nil)
        #expect(
            decision.provenanceID
                == Provenance.id(
                    requestHash: requestHash,
                    policyHash: engine.policy?.hash,
                    profileHash: nil,
                    runtimeVersion: "0.4.0"
                )
        )
    }

    @Test("decisions are deterministic: same inputs, same decision; precomputed inputs change nothing")
    func replay() throws {
        let request = F.request("shell", "run", ["cmd": .string("ls")])
        let first = try Self.engine().decide(request)
        let second = try Self.engine().decide(request)
        #expect(first == second)
        let precomputed = try Self.engine().decide(
            request,
            requestHash: RequestHash.compute(request),
            canonicalParams: CanonicalJSON.string(request.params)
        )
        #expect(precomputed == first)
        let otherRuntime = DecisionEngine(policy: try F.compile(Self.policyYAML), runtimeVersion: "0.5.0").decide(
            request
        )
        #expect(otherRuntime.provenanceID != first.provenanceID)
        #expect(otherRuntime.requestHash == first.requestHash)
    }

    @Test("no policy fails closed with MISSING_POLICY")
    func missingPolicy() {
        let decision = DecisionEngine(policy: nil, runtimeVersion: "0.4.0").decide(F.request("http", "get"))
        #expect(decision.outcome == .halt && decision.reasonCode == .missingPolicy)
        #expect(decision.policyHash == nil && decision.policyVersion == nil)
        #expect(decision.riskLevel == .high)
        #expect(
            decision.provenanceID
                == Provenance.id(
                    requestHash: decision.requestHash,
                    policyHash: nil,
                    profileHash: nil,
                    runtimeVersion: "0.4.0"
                )
        )
    }

    @Test("params or context that are not objects fail closed with INTERNAL_ERROR")
    func malformedRequest() throws {
        let engine = try Self.engine()
        let request = ActionRequest(agentID: "a", tool: "http", operation: "get", params: .array([]))
        let decision = engine.decide(request)
        #expect(decision.outcome == .halt && decision.reasonCode == .internalError)
        let badContext = ActionRequest(agentID: "a", tool: "http", operation: "get", context: .string("x"))
        #expect(engine.decide(badContext).reasonCode == .internalError)
    }

    @Test("an empty policy denies everything by default")
    func emptyPolicy() throws {
        let engine = DecisionEngine(policy: try F.compile("rules: []"), runtimeVersion: "t")
        let decision = engine.decide(F.request("http", "get"))
        #expect(decision.outcome == .halt && decision.reasonCode == .defaultDenyNoMatch)
        #expect(decision.reason == "No rule matched (deny by default)")
        #expect(decision.riskLevel == .low)
    }

    @Test("outcome and effect convert both ways")
    func conversions() {
        for effect in PolicyEffect.allCases {
            #expect(PolicyEffect(DecisionOutcome(effect)) == effect)
        }
        #expect(DecisionOutcome(.requireApproval) == .abstain)
    }
}
