import Foundation
import Testing

@testable import FarameshCore

@Suite("Policy tests, explain, diff and samples")
struct PolicyToolingTests {
    typealias F = PolicyFixture

    static let policyYAML = """
        rules:
          - name: small-refunds
            match: {tool: stripe, op: refund, amount_lte: 100}
            allow: true
            description: Small refunds
          - name: refunds
            match: {tool: stripe, op: refund}
            require_approval: true
            description: Refunds need approval
            risk: medium
          - match: {tool: "*"}
            deny: true
            description: Default deny
        """

    // MARK: - Test suites

    @Test("a passing suite reports every case and N passed, 0 failed")
    func passingSuite() throws {
        let suite = try PolicyTestSuite.parse(
            yaml: """
                cases:
                  - name: small refund
                    action: {tool: stripe, op: refund, params: {amount: 50}}
                    expect: {decision: allow, outcome: EXECUTE, risk: low, reason_code: POLICY_ALLOW, rule: small-refunds}
                  - name: big refund
                    input: {agent_id: billing, tool: stripe, operation: refund, params: {amount: 500}}
                    expect: {decision: require_approval, risk_level: medium, rule: 1, reason_contains: approval}
                  - name: refund without amount is not small
                    action: {tool: stripe, op: refund}
                    expect: {rule: refunds}
                """,
            source: "t.yaml"
        )
        #expect(suite.cases.count == 3)
        #expect(suite.cases[1].request.agentID == "billing")
        #expect(suite.cases[0].request.agentID == PolicySample.defaultAgentID)
        #expect(suite.cases[1].line == 5)
        let report = suite.run(
            DecisionEngine(policy: try F.compile(Self.policyYAML, source: "p.yaml"), runtimeVersion: "t")
        )
        #expect(report.allPassed)
        #expect(report.passedCount == 3 && report.failedCount == 0)
        #expect(report.text.hasSuffix("3 passed, 0 failed"))
        #expect(report.text.contains("  PASS  small refund"))
        #expect(report.json["passed"] == .int(3))
    }

    @Test("a failing case lists each mismatch and what the decision was")
    func failingSuite() throws {
        let suite = try PolicyTestSuite.parse(
            yaml: """
                cases:
                  - name: wrong
                    action: {tool: stripe, op: refund, params: {amount: 5000}}
                    expect: {decision: allow, risk: high, reason_code: POLICY_ALLOW, rule: small-refunds, outcome: EXECUTE, reason_contains: tiny}
                  - name: unknown rule name
                    action: {tool: x, op: y}
                    expect: {rule: nope}
                """,
            source: "t.yaml"
        )
        let report = suite.run(DecisionEngine(policy: try F.compile(Self.policyYAML), runtimeVersion: "t"))
        #expect(!report.allPassed && report.failedCount == 2)
        let failures = report.results[0].failures
        #expect(failures.contains("decision: expected allow, got require_approval"))
        #expect(failures.contains("outcome: expected EXECUTE, got ABSTAIN"))
        #expect(failures.contains("risk: expected high, got medium"))
        #expect(failures.contains("reason_code: expected POLICY_ALLOW, got POLICY_REQUIRE_APPROVAL"))
        #expect(failures.contains("rule: expected 'small-refunds', got rules[1] 'refunds'"))
        #expect(failures.contains { $0.hasPrefix("reason: expected to contain \"tiny\"") })
        #expect(
            report.results[1].failures == ["rule: expected 'nope', got rules[2] (the policy has no rule named 'nope')"]
        )
        #expect(report.text.contains("  FAIL  wrong (line 2)"))
        #expect(report.text.contains("got: require_approval (ABSTAIN, POLICY_REQUIRE_APPROVAL, risk medium, rules[1])"))
        #expect(report.text.hasSuffix("0 passed, 2 failed"))
    }

    @Test("test files are validated strictly")
    func suiteErrors() throws {
        func error(_ yaml: String) -> PolicyLoadError? {
            do {
                _ = try PolicyTestSuite.parse(yaml: yaml, source: "t.yaml")
                return nil
            } catch {
                return error
            }
        }
        #expect(error("cases: []")?.message.contains("no test cases") == true)
        #expect(
            error("cases:\n  - name: a\n    action: {tool: x, op: y}\n    expect: {}")?.message.contains(
                "expects nothing"
            ) == true
        )
        let typo = try #require(
            error("cases:\n  - name: a\n    action: {tool: x, op: y}\n    expect: {decison: allow}")
        )
        #expect(typo.line == 4 && typo.message.contains("did you mean 'decision'?"))
        #expect(
            error("cases:\n  - name: a\n    action: {tool: x}\n    expect: {decision: allow}")?.message.contains(
                "missing 'op'"
            ) == true
        )
        #expect(
            error("cases:\n  - name: a\n    action: {tool: x, op: y, params: [1]}\n    expect: {decision: allow}")?
                .message.contains("params must be a mapping") == true
        )
        #expect(
            error("cases:\n  - name: a\n    action: {tool: x, op: y}\n    expect: {decision: maybe}")?
                .message.contains("unknown decision") == true
        )
        #expect(
            error("cases:\n  - name: a\n    action: {tool: x, op: y}\n    expect: {reason_code: NOPE}")?
                .message.contains("unknown reason_code") == true
        )
        #expect(
            error("cases:\n  - action: {tool: x, op: y}\n    expect: {decision: allow}")?.message.contains(
                "missing 'name'"
            ) == true
        )
    }

    @Test("a suite can run with a profile")
    func suiteWithProfile() throws {
        let suite = try PolicyTestSuite.parse(
            yaml: """
                cases:
                  - name: profile halts stripe
                    action: {tool: stripe, op: refund, params: {amount: 1}}
                    expect: {outcome: HALT, reason_code: PROFILE_DISALLOWS_TOOL}
                """,
            source: "t.yaml"
        )
        let engine = DecisionEngine(
            policy: try F.compile(Self.policyYAML),
            profile: .loaded(try CompiledProfile.compile(yaml: "allowed_tools: [http]", source: "p")),
            runtimeVersion: "t"
        )
        #expect(suite.run(engine).allPassed)
    }

    // MARK: - Explain

    @Test("explain shows the matching rule's conditions and the first failed condition of rules passed over")
    func explain() throws {
        let engine = DecisionEngine(policy: try F.compile(Self.policyYAML), runtimeVersion: "t")
        let request = F.request("stripe", "refund", ["amount": .int(500)])
        let explanation = PolicyExplanation.explain(request, engine: engine)
        #expect(explanation.decision == engine.decide(request))
        #expect(explanation.rules.count == 3)
        #expect(explanation.rules[0].verdict == .failed(.amountLTE, "amount is 500, wanted amount <= 100"))
        guard case .matched(let holds) = explanation.rules[1].verdict else {
            Issue.record("rules[1] should match")
            return
        }
        #expect(holds == ["tool \"stripe\" matches \"stripe\"", "op \"refund\" matches \"refund\""])
        #expect(explanation.rules[2].verdict == .notEvaluated)
        let text = explanation.text
        #expect(text.contains("Decision: require_approval (ABSTAIN)"))
        #expect(
            text.contains(
                "skip     rules[0] 'small-refunds' (line 2, allow): amount_lte: amount is 500, wanted amount <= 100"
            )
        )
        #expect(text.contains("MATCH    rules[1] 'refunds' (line 6, require_approval)"))
        #expect(explanation.json["decision"]?["reason_code"] == .string("POLICY_REQUIRE_APPROVAL"))
    }

    @Test("explain describes missing values and every condition kind")
    func explainFailures() throws {
        let policy = try F.compile(
            """
            rules:
              - match: {tool: x, amount_gt: 1}
                allow: true
              - match: {tool: x, method: POST}
                allow: true
              - match: {tool: x, path_starts_with: /w/}
                allow: true
              - match: {tool: x, field: env, value: prod}
                allow: true
              - match: {tool: x, contains: needle}
                allow: true
              - match: {tool: x, pattern: "n[0-9]"}
                allow: true
              - match: {tool: x, agent_id: bot}
                allow: true
              - match: {tool: y}
                allow: true
            """
        )
        let explanation = PolicyExplanation.explain(
            F.request("x", "op", ["path": .string("/w/../etc")], agent: "me"),
            engine: DecisionEngine(policy: policy, runtimeVersion: "t")
        )
        let failures = explanation.rules.map(\.verdict)
        #expect(
            failures[0]
                == .failed(
                    .amountGT,
                    "no amount in params or context (wanted amount > 1; a missing amount never matches)"
                )
        )
        #expect(failures[1] == .failed(.method, "no method in params or context (wanted \"POST\" (any case))"))
        #expect(
            failures[2]
                == .failed(
                    .pathStartsWith,
                    "path is \"/etc\" (normalized from \"/w/../etc\"), wanted the path to start with \"/w/\""
                )
        )
        #expect(failures[3] == .failed(.field, "env is missing (wanted \"prod\")"))
        #expect(failures[4] == .failed(.contains, "\"needle\" not found in params {\"path\":\"/w/../etc\"}"))
        #expect(failures[5] == .failed(.pattern, "/n[0-9]/ does not match params {\"path\":\"/w/../etc\"}"))
        #expect(failures[6] == .failed(.agentID, "agent \"me\" does not match \"bot\""))
        #expect(failures[7] == .failed(.tool, "\"x\" does not match \"y\""))
        #expect(explanation.text.contains("no rule matched: deny by default"))
    }

    // MARK: - Diff

    @Test("diff reports added, removed, changed and moved rules")
    func diffRules() throws {
        let old = try F.compile(
            """
            rules:
              - name: a
                match: {tool: http, op: get}
                allow: true
              - name: b
                match: {tool: shell}
                require_approval: true
              - match: {tool: stripe}
                allow: true
              - match: {tool: git}
                deny: true
            risk:
              rules:
                - name: r1
                  when: {tool: shell}
                  risk_level: medium
            """,
            source: "old.yaml"
        )
        let new = try F.compile(
            """
            rules:
              - name: b
                match: {tool: shell}
                deny: true
                description: no shell
              - name: a
                match: {tool: http, op: get}
                allow: true
              - match: {tool: stripe}
                allow: true
              - match: {tool: fs}
                deny: true
            risk:
              rules:
                - name: r1
                  when: {tool: shell}
                  risk_level: high
                - name: r2
                  when: {tool: fs}
                  risk_level: low
            """,
            source: "new.yaml"
        )
        let diff = PolicyDiff.compare(old: old, new: new)
        #expect(diff.policiesDiffer)
        let kinds = diff.ruleChanges.map {
            "\($0.kind.rawValue) \($0.oldIndex.map(String.init) ?? "-")→\($0.newIndex.map(String.init) ?? "-")"
        }
        #expect(kinds.contains("changed 1→0"))
        #expect(kinds.contains("removed 3→-"))
        #expect(kinds.contains("added -→3"))
        #expect(diff.ruleChanges.filter { $0.kind == .moved }.count == 1)
        let changed = try #require(diff.ruleChanges.first { $0.kind == .changed })
        #expect(changed.details.contains("deny: (none) → true"))
        #expect(changed.details.contains("require_approval: true → (none)"))
        #expect(changed.details.contains("description: (none) → \"no shell\""))
        #expect(diff.riskRuleChanges.map(\.kind) == [.changed, .added])
        let text = diff.text
        #expect(text.contains("Old: old.yaml"))
        #expect(text.contains("  + rules[3] deny tool=fs"))
        #expect(text.contains("  - rules[3] (old) deny tool=git"))
        #expect(text.contains("moved (first match wins, so order matters)"))
    }

    @Test("diff shows which sample decisions change")
    func diffSamples() throws {
        let old = try F.compile(Self.policyYAML)
        let new = try F.compile(Self.policyYAML.replacingOccurrences(of: "amount_lte: 100", with: "amount_lte: 1000"))
        let samples = try PolicySample.parseAll(
            yaml: """
                - {name: tiny, tool: stripe, op: refund, params: {amount: 5}}
                - {name: medium, tool: stripe, op: refund, params: {amount: 500}}
                - {tool: http, operation: get}
                """,
            source: "samples.yaml"
        )
        #expect(samples.count == 3 && samples[2].label == "http.get (line 3)")
        let diff = PolicyDiff.compare(old: old, new: new, samples: samples)
        #expect(diff.sampleCount == 3)
        #expect(diff.decisionChanges.map(\.sample.name) == ["medium"])
        #expect(diff.decisionChanges[0].old.effect == .requireApproval && diff.decisionChanges[0].new.effect == .allow)
        #expect(diff.text.contains("Decisions on 3 sample action(s): 1 change(s)"))
        #expect(
            diff.text.contains(
                "medium: require_approval (POLICY_REQUIRE_APPROVAL, risk medium, rules[1]) → allow (POLICY_ALLOW, risk low, rules[0])"
            )
        )
        #expect(diff.json["decision_changes"]?.arrayCount == 1)
    }

    @Test("identical content diffs to nothing")
    func diffSame() throws {
        let a = try F.compile(Self.policyYAML, source: "a.yaml")
        let b = try F.compile("# same\n" + Self.policyYAML, source: "b.yaml")
        let diff = PolicyDiff.compare(old: a, new: b)
        #expect(!diff.policiesDiffer && diff.ruleChanges.isEmpty && diff.riskRuleChanges.isEmpty)
        #expect(diff.text.contains("The policies have the same content."))
    }

    @Test("samples files: a list, a samples: mapping, or a tests file")
    func sampleFormats() throws {
        #expect(try PolicySample.parseAll(yaml: "samples:\n  - {tool: a, op: b}", source: "s").count == 1)
        let fromTests = try PolicySample.parseAll(
            yaml: """
                cases:
                  - name: c1
                    action: {tool: a, op: b, params: {x: 1}}
                    expect: {decision: deny}
                """,
            source: "s"
        )
        #expect(fromTests.map(\.name) == ["c1"])
        #expect(fromTests[0].request.params == .object(["x": .int(1)]))
        #expect(throws: PolicyLoadError.self) { try PolicySample.parseAll(yaml: "other: 1", source: "s") }
        #expect(throws: PolicyLoadError.self) { try PolicySample.parseAll(yaml: "- {tool: a}", source: "s") }
    }
}

extension JSONValue {
    fileprivate var arrayCount: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }
}
