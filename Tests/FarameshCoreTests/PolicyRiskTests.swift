import Testing

@testable import FarameshCore

@Suite("Risk rules and the high-risk upgrade")
struct PolicyRiskTests {
    typealias F = PolicyFixture

    static let policy = """
        rules:
          - match: {tool: shell}
            allow: true
            description: Shell allowed
          - match: {tool: stripe}
            allow: true
            description: Stripe allowed
            risk: medium
          - match: {tool: http}
            deny: true
            description: No HTTP
          - match: {tool: github}
            require_approval: true
            description: GitHub needs approval
            approval_timeout: 30m
        risk:
          rules:
            - name: dangerous_shell
              when: {tool: shell, pattern: "rm -rf|mkfs"}
              risk_level: high
            - name: any_shell
              when: {tool: shell}
              risk_level: medium
            - name: big_refund
              when: {tool: stripe, op: refund, amount_gt: 1000}
              risk_level: high
            - name: http_all
              when: {tool: http}
              risk_level: high
        """

    @Test("the first matching risk rule sets the risk; default low")
    func firstMatch() throws {
        let policy = try F.compile(Self.policy)
        let medium = policy.evaluate(F.request("shell", "run", ["cmd": .string("ls")]))
        #expect(medium.riskLevel == .medium)
        #expect(medium.matchedRiskRule == 1)
        #expect(medium.effect == .allow && medium.reasonCode == .policyAllow)
        let low = policy.evaluate(F.request("github", "open_issue"))
        #expect(low.riskLevel == .low && low.matchedRiskRule == nil)
    }

    @Test("a high risk turns allow into require_approval with RISK_UPGRADE")
    func upgrade() throws {
        let policy = try F.compile(Self.policy)
        let evaluation = policy.evaluate(F.request("shell", "run", ["cmd": .string("rm -rf /tmp/x")]))
        #expect(evaluation.effect == .requireApproval)
        #expect(evaluation.reasonCode == .riskUpgrade)
        #expect(evaluation.riskLevel == .high)
        #expect(evaluation.reason == "Shell allowed (high risk requires approval)")
        #expect(evaluation.matchedRule == 0 && evaluation.matchedRiskRule == 0)
    }

    @Test("risk rules still apply when the matching rule sets its own risk (the original ignored them)")
    func explicitRiskDoesNotHideRiskRules() throws {
        let policy = try F.compile(Self.policy)
        let small = policy.evaluate(F.request("stripe", "refund", ["amount": .int(50)]))
        #expect(small.effect == .allow && small.riskLevel == .medium)
        let big = policy.evaluate(F.request("stripe", "refund", ["amount": .int(5000)]))
        #expect(big.effect == .requireApproval)
        #expect(big.reasonCode == .riskUpgrade)
        #expect(big.riskLevel == .high)
    }

    @Test("the reported risk is the higher of the rule's risk and the risk rules' level")
    func maxOfRiskSources() throws {
        let policy = try F.compile(
            """
            rules:
              - match: {tool: x}
                deny: true
                risk: high
              - match: {tool: y}
                require_approval: true
                risk: low
            risk:
              rules:
                - name: all
                  when: {tool: "*"}
                  risk_level: medium
            """
        )
        #expect(policy.evaluate(F.request("x", "a")).riskLevel == .high)
        #expect(policy.evaluate(F.request("y", "a")).riskLevel == .medium)
        #expect(policy.evaluate(F.request("z", "a")).riskLevel == .medium)
    }

    @Test("deny and require_approval are not changed by a high risk")
    func onlyAllowIsUpgraded() throws {
        let policy = try F.compile(Self.policy)
        let denied = policy.evaluate(F.request("http", "get"))
        #expect(denied.effect == .deny && denied.reasonCode == .policyDeny && denied.riskLevel == .high)
        #expect(denied.reason == "No HTTP")
        let approval = policy.evaluate(F.request("github", "merge"))
        #expect(approval.effect == .requireApproval && approval.reasonCode == .policyRequireApproval)
        #expect(approval.approvalTimeout == .seconds(1800))
    }

    @Test("no match is deny by default with the computed risk")
    func noMatch() throws {
        let policy = try F.compile(Self.policy + "\n")
        let evaluation = policy.evaluate(F.request("slack", "post"))
        #expect(evaluation.effect == .deny)
        #expect(evaluation.reasonCode == .defaultDenyNoMatch)
        #expect(evaluation.reason == CompiledPolicy.noMatchReason)
        #expect(evaluation.matchedRule == nil)
        #expect(evaluation.riskLevel == .low)
    }

    @Test("an allow rule that is upgraded keeps its approval_timeout")
    func upgradeKeepsTimeout() throws {
        let policy = try F.compile(
            """
            rules:
              - match: {tool: deploy}
                allow: true
                approval_timeout: 2h
            risk:
              rules:
                - name: prod
                  when: {tool: deploy, field: env, value: prod}
                  risk_level: high
            """
        )
        #expect(policy.evaluate(F.request("deploy", "run", ["env": .string("prod")])).approvalTimeout == .seconds(7200))
        #expect(policy.evaluate(F.request("deploy", "run", ["env": .string("dev")])).approvalTimeout == nil)
    }
}
