import Testing

@testable import FarameshCore

@Suite("Execution profiles")
struct ProfileTests {
    typealias F = PolicyFixture

    static let policy = """
        rules:
          - match: {tool: shell}
            allow: true
            description: Shell allowed
          - match: {tool: http, op: get}
            allow: true
            description: GET allowed
          - match: {tool: http, op: delete}
            deny: true
            description: No deletes
          - match: {tool: stripe}
            require_approval: true
            description: Payments need approval
            approval_timeout: 15m
        """

    static func engine(_ profileYAML: String) throws -> DecisionEngine {
        DecisionEngine(
            policy: try F.compile(policy),
            profile: .loaded(try CompiledProfile.compile(yaml: profileYAML, source: "profile.yaml")),
            runtimeVersion: "test"
        )
    }

    @Test("the reference's default profile compiles; its fields are kept")
    func referenceProfile() throws {
        let profile = try CompiledProfile.compile(
            yaml: """
                id: default
                version: "1"
                allowed_tools: [shell, http, stripe]
                rules:
                  - name: disallow_shell_on_root
                    when: {tool: shell}
                    pattern: "rm -rf /|mkfs"
                    outcome: HALT
                    reason_code: PROFILE_DENY_DANGEROUS_SHELL
                """,
            source: "default.yaml"
        )
        #expect(profile.id == "default" && profile.version == "1")
        #expect(profile.allowedTools?.map(\.pattern) == ["shell", "http", "stripe"])
        #expect(profile.rules.map(\.name) == ["disallow_shell_on_root"])
        #expect(profile.rules[0].reason == "Profile rule 'disallow_shell_on_root' (PROFILE_DENY_DANGEROUS_SHELL)")
        #expect(!profile.requiresApproval)
        #expect(profile.hash == SHA256Hex.hash(CanonicalJSON.bytes(profile.document)))
    }

    @Test("a tool outside allowed_tools is halted before the policy (globs allowed)")
    func allowedTools() throws {
        let engine = try Self.engine("allowed_tools: [shell, \"http*\"]")
        let halted = engine.decide(F.request("stripe", "refund"))
        #expect(halted.outcome == .halt && halted.effect == .deny)
        #expect(halted.reasonCode == .profileDisallowsTool)
        #expect(halted.reason == "Tool 'stripe' is not in profile allowed_tools")
        #expect(halted.riskLevel == .high)
        #expect(halted.matchedRule == nil)
        #expect(engine.decide(F.request("http", "get")).outcome == .execute)
        #expect(engine.decide(F.request("https", "get")).reasonCode == .defaultDenyNoMatch)
    }

    @Test("allowed_tools absent means no restriction; an empty list is a load error")
    func emptyAllowedTools() throws {
        #expect(try Self.engine("id: open").decide(F.request("stripe", "charge")).reasonCode == .policyRequireApproval)
        let error = try #require(F.profileError("id: x\nallowed_tools: []"))
        #expect(error.line == 2 && error.column == 16)
        #expect(error.message.contains("would halt every action"))
    }

    @Test("a HALT profile rule halts; an ABSTAIN rule holds what the policy allows")
    func profileRules() throws {
        let engine = try Self.engine(
            """
            rules:
              - name: no_root_rm
                when: {tool: shell}
                pattern: "rm -rf /"
              - name: review_http
                when: {tool: http}
                outcome: ABSTAIN
                description: HTTP is reviewed by a human
            """
        )
        let halted = engine.decide(F.request("shell", "run", ["cmd": .string("rm -rf /")]))
        #expect(halted.outcome == .halt && halted.reasonCode == .profileRuleDeny && halted.profileRule == 0)
        #expect(halted.reason == "Profile rule 'no_root_rm'")
        #expect(engine.decide(F.request("shell", "run", ["cmd": .string("ls")])).outcome == .execute)

        let held = engine.decide(F.request("http", "get"))
        #expect(held.outcome == .abstain && held.effect == .requireApproval)
        #expect(held.reasonCode == .profileRuleDeny)
        #expect(held.reason == "HTTP is reviewed by a human")
        #expect(held.profileRule == 1 && held.matchedRule == 1)
    }

    @Test("a profile can never execute past the policy: a policy deny stays HALT under an ABSTAIN rule")
    func profileCannotLoosen() throws {
        let engine = try Self.engine("rules:\n  - name: review\n    when: {tool: http}\n    outcome: ABSTAIN")
        let decision = engine.decide(F.request("http", "delete"))
        #expect(decision.outcome == .halt)
        #expect(decision.reasonCode == .policyDeny)
        #expect(decision.reason == "No deletes")
        let unmatched = engine.decide(F.request("http", "patch"))
        #expect(unmatched.outcome == .halt && unmatched.reasonCode == .defaultDenyNoMatch)
    }

    @Test("outcome EXECUTE is a load error; outcome must be HALT or ABSTAIN")
    func executeIsRejected() throws {
        let error = try #require(F.profileError("rules:\n  - name: r\n    when: {tool: x}\n    outcome: EXECUTE"))
        #expect(error.message.contains("can only restrict"))
        #expect(error.line == 4 && error.keyPath == "rules[0].outcome")
        #expect(
            F.profileError("rules:\n  - name: r\n    when: {tool: x}\n    outcome: MAYBE")?.message.contains(
                "unknown outcome"
            ) == true
        )
    }

    @Test("required_controls.approval_token must be a boolean and never trusts agent-supplied tokens")
    func approvalControl() throws {
        #expect(
            F.profileError("required_controls:\n  approval_token: yes please")?.message.contains(
                "expected true or false"
            ) == true
        )
        #expect(
            F.profileError("required_controls:\n  approval_token: 1")?.message.contains("expected true or false")
                == true
        )
        #expect(
            F.profileError("required_controls:\n  approval_tokens: true")?.message.contains(
                "did you mean 'approval_token'?"
            ) == true
        )

        let engine = try Self.engine("id: strict\nrequired_controls:\n  approval_token: true")
        // Any value an agent puts in params or context is ignored.
        let spoofed = F.request(
            "shell",
            "run",
            ["approval_token": .string("anything")],
            context: ["approval_token": .bool(true)]
        )
        let held = engine.decide(spoofed)
        #expect(held.outcome == .abstain)
        #expect(held.reasonCode == .profileMissingRequiredControl)
        #expect(held.reason.contains("Profile 'strict' requires a human approval"))
        // A caller that verified an approval for exactly this request gets the policy's decision.
        let verified = engine.decide(spoofed, requestHash: RequestHash.compute(spoofed), approvalVerified: true)
        #expect(verified.outcome == .execute && verified.reasonCode == .policyAllow)
        // A policy deny is still a deny.
        #expect(engine.decide(F.request("http", "delete")).outcome == .halt)
    }

    @Test("a profile that failed to load halts every action with PROFILE_LOAD_ERROR")
    func failedProfile() throws {
        let engine = DecisionEngine(
            policy: try F.compile(Self.policy),
            profile: .failed("profile.yaml:3:1: bad"),
            runtimeVersion: "test"
        )
        let decision = engine.decide(F.request("http", "get"))
        #expect(decision.outcome == .halt)
        #expect(decision.reasonCode == .profileLoadError)
        #expect(decision.reason == "Execution profile failed to load: profile.yaml:3:1: bad")
        #expect(decision.profileID == nil && decision.profileHash == nil)
        #expect(decision.policyHash != nil)
    }

    @Test("ProfileState.compile loads a valid profile and turns a broken one into a fail-closed state")
    func profileStateCompile() throws {
        guard case .loaded(let profile) = ProfileState.compile(yaml: "id: ok", source: "p.yaml") else {
            Issue.record("a valid profile should load")
            return
        }
        #expect(profile.id == "ok")
        let broken = ProfileState.compile(yaml: "id: x\nallowed_tools: []", source: "p.yaml")
        guard case .failed(let message) = broken else {
            Issue.record("a broken profile must not load")
            return
        }
        #expect(message.hasPrefix("p.yaml:2:16: allowed_tools: an empty allowed_tools list"))
        let decision = DecisionEngine(policy: try F.compile(Self.policy), profile: broken, runtimeVersion: "t")
            .decide(F.request("http", "get"))
        #expect(decision.outcome == .halt && decision.reasonCode == .profileLoadError)
    }

    @Test("profile load errors: rules need a name and conditions; pattern is given once; unknown keys")
    func loadErrors() throws {
        #expect(F.profileError("rules:\n  - when: {tool: x}")?.message.contains("missing 'name'") == true)
        #expect(F.profileError("rules:\n  - name: r")?.message.contains("missing 'when' or 'pattern'") == true)
        #expect(
            F.profileError("rules:\n  - name: r\n    when: {tool: x, pattern: a}\n    pattern: b")?.message.contains(
                "given twice"
            ) == true
        )
        #expect(
            F.profileError("rules:\n  - name: r\n    pattern: a\n    reason_code: not-upper")?.message.contains(
                "upper-case"
            ) == true
        )
        #expect(F.profileError("allowed_tool: [x]")?.message.contains("did you mean 'allowed_tools'?") == true)
        #expect(
            F.profileError("rules:\n  - name: r\n    pattern: a\n  - name: r\n    pattern: b")?.message.contains(
                "duplicate profile rule name"
            ) == true
        )
        let pattern = try #require(F.profileError("rules:\n  - name: r\n    pattern: \"(\""))
        #expect(pattern.line == 3 && pattern.message.contains("invalid regular expression"))
    }

    @Test("a pattern-only profile rule applies to every tool")
    func patternOnlyRule() throws {
        let engine = try Self.engine("rules:\n  - name: secrets\n    pattern: \"AKIA[0-9A-Z]{16}\"")
        let decision = engine.decide(F.request("http", "get", ["body": .string("key AKIAABCDEFGHIJKLMNOP")]))
        #expect(decision.outcome == .halt && decision.reasonCode == .profileRuleDeny)
        #expect(engine.decide(F.request("http", "get", ["body": .string("nothing")])).outcome == .execute)
    }

    @Test("profile fields are bound into every decision")
    func binding() throws {
        let profile = try CompiledProfile.compile(yaml: "id: team-a\nversion: 7", source: "p.yaml")
        let engine = DecisionEngine(
            policy: try F.compile(Self.policy),
            profile: .loaded(profile),
            runtimeVersion: "1.2.3"
        )
        let request = F.request("http", "get")
        let decision = engine.decide(request)
        #expect(
            decision.profileID == "team-a" && decision.profileVersion == "7" && decision.profileHash == profile.hash
        )
        #expect(
            decision.provenanceID
                == Provenance.id(
                    requestHash: RequestHash.compute(request),
                    policyHash: engine.policy?.hash,
                    profileHash: profile.hash,
                    runtimeVersion: "1.2.3"
                )
        )
    }
}
