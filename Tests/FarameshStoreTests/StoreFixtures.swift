import FarameshCore
import FarameshStore
import Foundation

/// Builds actions and their first events the way the server does (chained by `EventChain`).
enum StoreFixtures {
    static func uuid(_ text: String) -> UUID {
        UUID(uuidString: text) ?? UUID()
    }

    /// An action in `status` with its `created` + `decision_made` events.
    static func action(
        id: UUID = UUID(),
        status: ActionStatus = .allowed,
        agent: String = "agent-1",
        tool: String = "shell",
        operation: String = "run",
        params: JSONValue = .object(["cmd": .string("ls -la")]),
        context: JSONValue = .object([:]),
        risk: RiskLevel = .low,
        createdAt: Date = WireTimestamp.now(),
        approvalExpiresAt: Date? = nil,
        fullProvenance: Bool = false
    ) -> (action: Action, events: [ActionEvent]) {
        // Timestamps are stored with microsecond precision.
        let createdAt = micro(createdAt)
        let approvalExpiresAt = approvalExpiresAt.map(micro)
        let request = ActionRequest(agentID: agent, tool: tool, operation: operation, params: params, context: context)
        let decision: PolicyEffect
        let outcome: DecisionOutcome
        let reasonCode: ReasonCode
        switch status {
        case .denied:
            decision = .deny
            outcome = .halt
            reasonCode = .policyDeny
        case .pendingApproval:
            decision = .requireApproval
            outcome = .abstain
            reasonCode = .policyRequireApproval
        default:
            decision = .allow
            outcome = .execute
            reasonCode = .policyAllow
        }
        let pending = status == .pendingApproval
        var action = Action(
            id: id,
            request: request,
            status: status,
            decision: decision,
            outcome: outcome,
            reason: "rule \(decision.rawValue)",
            reasonCode: reasonCode,
            riskLevel: risk,
            requestHash: RequestHash.compute(request),
            policyHash: fullProvenance ? String(repeating: "a", count: 64) : nil,
            policyVersion: fullProvenance ? "7" : nil,
            profileID: fullProvenance ? "default" : nil,
            profileVersion: fullProvenance ? "1.2" : nil,
            profileHash: fullProvenance ? String(repeating: "b", count: 64) : nil,
            runtimeVersion: "faramesh-swift 0.1.0-test",
            provenanceID: "prov-\(id.uuidString.lowercased().prefix(8))",
            approvalToken: pending ? "apt_\(UUID().uuidString.lowercased())" : nil,
            approvalExpiresAt: pending ? (approvalExpiresAt ?? createdAt.addingTimeInterval(3600)) : approvalExpiresAt,
            createdAt: createdAt,
            updatedAt: createdAt,
            version: 1
        )
        let created = EventChain.makeEvent(
            actionID: id,
            type: .created,
            meta: .object([:]),
            actor: agent,
            at: createdAt,
            prevHash: nil
        )
        let decided = EventChain.makeEvent(
            actionID: id,
            type: .decisionMade,
            meta: .object([
                "decision": .string(decision.rawValue),
                "reason_code": .string(reasonCode.rawValue),
            ]),
            actor: agent,
            at: createdAt,
            prevHash: created.recordHash
        )
        action.lastEventHash = decided.recordHash
        return (action, [created, decided])
    }

    static func request(
        _ transition: ActionTransition,
        actor: String = "alice",
        reason: String? = nil,
        meta: JSONValue = .object([:]),
        at now: Date = WireTimestamp.now()
    ) -> TransitionRequest {
        TransitionRequest(transition: transition, actor: actor, reason: reason, meta: meta, now: micro(now))
    }

    /// `date` truncated to whole microseconds, as the store keeps it.
    static func micro(_ date: Date) -> Date {
        WireTimestamp.date(microseconds: WireTimestamp.microseconds(date))
    }

    /// Events without their store-assigned seq, for comparing with what was submitted.
    static func unsequenced(_ events: [ActionEvent]) -> [ActionEvent] {
        events.map {
            var e = $0
            e.seq = 0
            return e
        }
    }

    /// Keyset order of the list endpoint: newest first, then id descending (byte order).
    static func listOrder(_ a: Action, _ b: Action) -> Bool {
        if a.createdAt != b.createdAt { return a.createdAt > b.createdAt }
        return a.id.uuidString > b.id.uuidString
    }

    /// Documents that must survive storage unchanged (request hashes are recomputed from them).
    static let trickyJSON: JSONValue = .object([
        "ints": .array([.int(0), .int(-1), .int(Int64.max), .int(Int64.min), .int(100)]),
        "big": .array([.bigInt("18446744073709551617"), .bigInt("-98765432109876543210987654321")]),
        "doubles": .array([
            .double(0.1), .double(1.0), .double(100.0), .double(1.5e300), .double(-2.5e-7),
            .double(Double.leastNonzeroMagnitude), .double(1.7976931348623157e308), .double(123456789.125),
            .double(1e21), .double(1e-5),
        ]),
        "strings": .array([
            .string(""), .string("plain"), .string("quote \" backslash \\ slash /"),
            .string("controls \u{0} \u{1} \u{1F} \t \n \r"), .string("line sep \u{2028} \u{2029} del \u{7F}"),
            .string("emoji 👩‍💻 🇸🇪 surrogate-free 𝄞"), .string("combining e\u{301} vs \u{E9}"),
            .string("RTL שלום مرحبا"), .string("CJK 漢字かなカナ"),
        ]),
        "keys": .object([
            "b": .int(1), "a": .int(2), "\u{E9}": .int(3), "😀": .int(5),
            "\u{FFFF}": .int(6), "A": .int(7), "": .int(8),
        ]),
        "nested": .object([
            "deep": .array([.object(["x": .array([.null, .bool(true), .bool(false)])]), .array([])]),
            "empty": .object([:]),
        ]),
    ])
}
