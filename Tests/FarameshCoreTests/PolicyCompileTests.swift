import Testing

@testable import FarameshCore

@Suite("Policy compilation and load errors")
struct PolicyCompileTests {
    @Test("the seed's example policy compiles with rules and risk rules in order")
    func seedPolicy() throws {
        let policy = try PolicyFixture.compile(
            """
            rules:
              - match:
                  tool: "http"
                  op: "get"
                allow: true
                description: "Allow HTTP GET requests"
                risk: "low"
              - match:
                  tool: "shell"
                  op: "*"
                require_approval: true
                description: "Shell commands require approval"
                risk: "medium"
              - match:
                  tool: "*"
                  op: "*"
                deny: true
                description: "Default deny rule"
                risk: "high"
            risk:
              rules:
                - name: dangerous_shell
                  when:
                    tool: shell
                    operation: run
                    pattern: "rm -rf"
                  risk_level: high
            """
        )
        #expect(policy.rules.map(\.effect) == [.allow, .requireApproval, .deny])
        #expect(policy.rules.map(\.line) == [2, 8, 14])
        #expect(policy.rules[0].reason == "Allow HTTP GET requests")
        #expect(policy.rules[2].risk == .high)
        #expect(policy.riskRules.map(\.name) == ["dangerous_shell"])
        #expect(policy.riskRules[0].level == .high)
        #expect(policy.hash.count == 64)
    }

    @Test("an unknown key inside match is an error with file, rule index, line, column and a suggestion")
    func unknownMatchKey() throws {
        let error = try #require(
            PolicyFixture.loadError(
                """
                rules:
                  - match: {tool: http}
                    allow: true
                  - match:
                      tool: stripe
                      amont_gt: 100
                    deny: true
                """,
                source: "payments.yaml"
            )
        )
        #expect(error.file == "payments.yaml")
        #expect(error.ruleIndex == 1)
        #expect(error.line == 6)
        #expect(error.column == 7)
        #expect(error.keyPath == "rules[1].match")
        #expect(error.message.contains("unknown key 'amont_gt'"))
        #expect(error.message.contains("did you mean 'amount_gt'?"))
        #expect(error.description.hasPrefix("payments.yaml:6:7: rules[1].match: unknown key 'amont_gt'"))
    }

    @Test("U+0000 in a policy or profile string is a load error (it would become an unstorable reason)")
    func nulInStringsIsALoadError() {
        let policy = PolicyFixture.loadError(
            """
            rules:
              - name: r
                match: {tool: http, op: get}
                allow: true
                description: "ok\\0"
            """
        )
        #expect(policy?.message.contains("U+0000") == true, "\(String(describing: policy))")
        let profile = PolicyFixture.profileError(
            """
            id: p
            version: "1"
            description: "x\\0"
            """
        )
        #expect(profile?.message.contains("U+0000") == true, "\(String(describing: profile))")
    }

    @Test("unknown keys at the top, in a rule and in a risk rule are errors")
    func unknownKeysEverywhere() throws {
        let top = try #require(PolicyFixture.loadError("rulez: []\nrules: []"))
        #expect(top.line == 1 && top.column == 1)
        #expect(top.message.contains("did you mean 'rules'?"))

        let rule = try #require(
            PolicyFixture.loadError("rules:\n  - match: {tool: x}\n    allow: true\n    descripton: x")
        )
        #expect(rule.ruleIndex == 0)
        #expect(rule.line == 4 && rule.column == 5)
        #expect(rule.message.contains("did you mean 'description'?"))

        let risk = try #require(
            PolicyFixture.loadError(
                """
                rules: []
                risk:
                  rules:
                    - name: r
                      when: {tool: x, operaton: run}
                      risk_level: high
                """
            )
        )
        #expect(risk.ruleIndex == nil)
        #expect(risk.keyPath == "risk.rules[0].when")
        #expect(risk.line == 5)
        #expect(risk.message.contains("did you mean 'operation'?"))
    }

    @Test("a rule needs exactly one effect, written as true")
    func effects() throws {
        let none = try #require(PolicyFixture.loadError("rules:\n  - match: {tool: x}\n    description: nothing"))
        #expect(none.message.contains("missing effect"))
        #expect(none.ruleIndex == 0 && none.line == 2)

        let two = try #require(PolicyFixture.loadError("rules:\n  - match: {tool: x}\n    allow: true\n    deny: true"))
        #expect(two.message.contains("2 effects (allow, deny)"))
        #expect(two.line == 4)

        let falseValue = try #require(PolicyFixture.loadError("rules:\n  - match: {tool: x}\n    allow: false"))
        #expect(falseValue.message.contains("takes the value true"))
        #expect(falseValue.line == 3 && falseValue.column == 12)

        let stringValue = try #require(PolicyFixture.loadError("rules:\n  - match: {tool: x}\n    deny: \"true\""))
        #expect(stringValue.message.contains("expected true or false"))
    }

    @Test("match is required, must be a non-empty mapping, and op/operation are aliases")
    func matchShape() throws {
        #expect(PolicyFixture.loadError("rules:\n  - allow: true")?.message.contains("missing 'match'") == true)
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {}\n    allow: true")?.message.contains(
                "at least one condition"
            ) == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: [tool]\n    allow: true")?.message.contains(
                "expected a mapping"
            ) == true
        )
        let both = try #require(PolicyFixture.loadError("rules:\n  - match: {op: a, operation: b}\n    allow: true"))
        #expect(both.message.contains("aliases"))
        let policy = try PolicyFixture.compile("rules:\n  - match: {tool: x, operation: run}\n    allow: true")
        #expect(policy.evaluate(PolicyFixture.request("x", "run")).effect == .allow)
        #expect(policy.evaluate(PolicyFixture.request("x", "walk")).effect == .deny)
    }

    @Test("field and value come together")
    func fieldValuePairs() throws {
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {field: a}\n    allow: true")?.message.contains(
                "needs a 'value'"
            ) == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {value: 1}\n    allow: true")?.message.contains(
                "needs a 'field'"
            ) == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {field: a..b, value: 1}\n    allow: true")?.message.contains(
                "empty segment"
            ) == true
        )
    }

    @Test("bad values are errors at their position")
    func badValues() throws {
        let regex = try #require(
            PolicyFixture.loadError("rules:\n  - match: {tool: x, pattern: \"a(b\"}\n    deny: true")
        )
        #expect(regex.message.contains("invalid regular expression"))
        #expect(regex.line == 2 && regex.column == 31)
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {pattern: \"a||b\"}\n    deny: true")?.message.contains(
                "empty alternative"
            ) == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {amount_gt: lots}\n    deny: true")?.message.contains(
                "finite number"
            ) == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {amount_gt: .inf}\n    deny: true")?.message.contains(
                "finite number"
            ) == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {tool: x}\n    deny: true\n    risk: severe")?.message.contains(
                "unknown risk level"
            ) == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {tool: \"\"}\n    deny: true")?.message.contains(
                "must not be empty"
            ) == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {tool: ~}\n    deny: true")?.message.contains("found null")
                == true
        )
        #expect(
            PolicyFixture.loadError(
                "rules:\n  - match: {tool: x}\n    require_approval: true\n    approval_timeout: soon"
            )?
            .message.contains("invalid duration") == true
        )
        #expect(
            PolicyFixture.loadError("rules:\n  - match: {tool: x}\n    deny: true\n    approval_timeout: 1h")?
                .message.contains("no effect on a deny rule") == true
        )
    }

    @Test("rules and risk rules are validated as lists of mappings with required keys")
    func requiredKeys() throws {
        #expect(PolicyFixture.loadError("version: 1")?.message.contains("missing 'rules'") == true)
        #expect(PolicyFixture.loadError("rules: {a: 1}")?.message.contains("expected a list") == true)
        #expect(PolicyFixture.loadError("[1, 2]")?.message.contains("expected a mapping") == true)
        #expect(PolicyFixture.loadError("")?.message.contains("empty") == true)
        let missingLevel = try #require(
            PolicyFixture.loadError("rules: []\nrisk:\n  rules:\n    - name: r\n      when: {tool: x}")
        )
        #expect(missingLevel.message.contains("missing 'risk_level'"))
        #expect(missingLevel.line == 4)
        #expect(
            PolicyFixture.loadError("rules: []\nrisk:\n  rules:\n    - when: {tool: x}\n      risk_level: low")?
                .message.contains("missing 'name'") == true
        )
        #expect(PolicyFixture.loadError("rules: []\nrisk: {}")?.message.contains("missing 'rules'") == true)
    }

    @Test("duplicate rule names and duplicate keys are errors")
    func duplicates() throws {
        let names = try #require(
            PolicyFixture.loadError(
                """
                rules:
                  - name: a
                    match: {tool: x}
                    allow: true
                  - name: a
                    match: {tool: y}
                    deny: true
                """
            )
        )
        #expect(names.message.contains("duplicate rule name 'a' (also rules[0])"))
        #expect(names.ruleIndex == 1 && names.line == 5)

        let keys = try #require(PolicyFixture.loadError("rules:\n  - match: {tool: x, tool: y}\n    allow: true"))
        #expect(keys.message.contains("duplicate key 'tool'"))
        #expect(keys.line == 2)
    }

    @Test("YAML syntax errors keep libyaml's line and column")
    func syntaxError() throws {
        let error = try #require(
            PolicyFixture.loadError("rules:\n  - match: {tool: x\n    allow: true\n", source: "broken.yaml")
        )
        #expect(error.file == "broken.yaml")
        #expect(error.message.hasPrefix("YAML syntax error"))
        #expect(error.line == 3)
        #expect(error.column != nil)
    }

    @Test("policy_hash depends only on content, not on the file name, comments, layout or key order")
    func hashIsContentOnly() throws {
        let a = try PolicyFixture.compile("rules:\n  - match: {tool: x, op: y}\n    allow: true\n", source: "a.yaml")
        let b = try PolicyFixture.compile(
            """
            # a comment
            rules:
              - allow: true
                match:
                  op: "y"
                  tool: 'x'
            """,
            source: "/elsewhere/b.yaml"
        )
        #expect(a.hash == b.hash)
        let c = try PolicyFixture.compile("rules:\n  - match: {tool: x, op: z}\n    allow: true\n")
        #expect(a.hash != c.hash)
        #expect(a.hash == SHA256Hex.hash(CanonicalJSON.bytes(a.document)))
    }

    @Test("policy_version is the override, else the file's version, else sha256:<12 hex>")
    func version() throws {
        let plain = try PolicyFixture.compile("rules: []")
        #expect(plain.version == "sha256:" + plain.hash.prefix(12))
        let versioned = try PolicyFixture.compile("version: 2024-06-01.1\nrules: []")
        #expect(versioned.version == "2024-06-01.1")
        let numeric = try PolicyFixture.compile("version: 3\nrules: []")
        #expect(numeric.version == "3")
        let overridden = try PolicyFixture.compile("version: 3\nrules: []", version: "release-7")
        #expect(overridden.version == "release-7")
        #expect(overridden.hash == numeric.hash)
    }

    @Test("rule options: name, description default, risk, approval_timeout")
    func ruleOptions() throws {
        let policy = try PolicyFixture.compile(
            """
            rules:
              - name: refunds
                match: {tool: stripe}
                require_approval: true
                approval_timeout: 1h30m
              - match: {tool: x}
                deny: true
              - match: {tool: y}
                allow: true
            """
        )
        #expect(policy.rules[0].name == "refunds")
        #expect(policy.rules[0].approvalTimeout == .seconds(5400))
        #expect(policy.rules[0].reason == "Requires approval by policy rule 'refunds'")
        #expect(policy.rules[1].reason == "Denied by policy rule rules[1]")
        #expect(policy.rules[2].reason == "Allowed by policy rule rules[2]")
        #expect(policy.rules[0].label == "'refunds'" && policy.rules[1].label == "rules[1]")
    }

    @Test("warnings: unreachable rules after a catch-all, allow with risk high, no rules")
    func warnings() throws {
        let policy = try PolicyFixture.compile(
            """
            rules:
              - match: {tool: "*"}
                deny: true
              - match: {tool: x}
                allow: true
                risk: high
            risk:
              rules:
                - name: all
                  when: {tool: "*", op: "*"}
                  risk_level: low
                - name: never
                  when: {tool: x}
                  risk_level: high
            """
        )
        let messages = policy.warnings.map(\.message)
        #expect(messages.contains { $0.contains("unreachable: rules[0]") })
        #expect(messages.contains { $0.contains("always becomes require_approval") })
        #expect(messages.contains { $0.contains("risk.rules[1] 'never' is unreachable") })
        #expect(policy.warnings.first?.ruleIndex == 1)
        #expect(
            try PolicyFixture.compile("rules: []").warnings.map(\.message) == [
                "the policy has no rules: every action is denied"
            ]
        )
        #expect(try PolicyFixture.compile("rules:\n  - match: {tool: x}\n    allow: true").warnings.isEmpty)
    }

    @Test("durations parse and format")
    func durations() {
        #expect(PolicyDuration.parse("90s") == .seconds(90))
        #expect(PolicyDuration.parse("30m") == .seconds(1800))
        #expect(PolicyDuration.parse("1h") == .seconds(3600))
        #expect(PolicyDuration.parse("2d") == .seconds(172_800))
        #expect(PolicyDuration.parse("1h30m") == .seconds(5400))
        for bad in ["", "0s", "10", "m", "1x", "-1h", "1.5h", "400d", "1h 30m"] {
            #expect(PolicyDuration.parse(bad) == nil, "\(bad)")
        }
        #expect(PolicyDuration.format(.seconds(5400)) == "1h30m")
        #expect(PolicyDuration.format(.seconds(90)) == "1m30s")
        #expect(PolicyDuration.format(.seconds(86_400)) == "1d")
    }
}

/// Helpers shared by the policy, profile and decision tests.
enum PolicyFixture {
    static func compile(_ yaml: String, source: String = "test.yaml", version: String? = nil) throws -> CompiledPolicy {
        try CompiledPolicy.compile(yaml: yaml, source: source, version: version)
    }

    /// The load error `yaml` produces (records an issue when it compiles).
    static func loadError(
        _ yaml: String,
        source: String = "test.yaml",
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> PolicyLoadError? {
        do {
            _ = try CompiledPolicy.compile(yaml: yaml, source: source)
            Issue.record("expected a load error", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    static func profileError(_ yaml: String, sourceLocation: SourceLocation = #_sourceLocation) -> PolicyLoadError? {
        do {
            _ = try CompiledProfile.compile(yaml: yaml, source: "profile.yaml")
            Issue.record("expected a load error", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    static func request(
        _ tool: String,
        _ op: String,
        _ params: [String: JSONValue] = [:],
        agent: String = "agent-1",
        context: [String: JSONValue] = [:]
    ) -> ActionRequest {
        ActionRequest(agentID: agent, tool: tool, operation: op, params: .object(params), context: .object(context))
    }

    /// A one-rule policy (`allow` when `conditions` hold, else the default deny).
    static func single(_ conditions: String) throws -> CompiledPolicy {
        try compile(
            """
            rules:
              - match: {\(conditions)}
                allow: true
                description: matched
            """
        )
    }

    /// Whether the one-rule policy for `conditions` allows `request`.
    static func matches(_ conditions: String, _ request: ActionRequest) throws -> Bool {
        try single(conditions).evaluate(request).effect == .allow
    }
}
