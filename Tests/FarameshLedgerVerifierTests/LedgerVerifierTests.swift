import FarameshCore
import FarameshLedgerVerifier
import Foundation
import Testing

/// The verifier's pure parts: the per-action chain check and the state file. Runs against real
/// databases (tampering, incremental runs, rotated keys) are in FarameshLedgerTests.
@Suite struct LedgerVerifierTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    /// An action with a created, decision_made and approved event, and its row pointing at the newest.
    static func chain(actionID: UUID = UUID()) -> (Action, [ActionEvent]) {
        var events: [ActionEvent] = []
        for type in [ActionEventType.created, .decisionMade, .approved] {
            events.append(
                EventChain.makeEvent(
                    actionID: actionID,
                    type: type,
                    meta: .object([:]),
                    actor: "agent-1",
                    at: at,
                    prevHash: events.last?.recordHash
                )
            )
        }
        let action = Action(
            id: actionID,
            request: ActionRequest(agentID: "agent-1", tool: "shell", operation: "run"),
            status: .approved,
            decision: .requireApproval,
            outcome: .abstain,
            reason: "r",
            reasonCode: .policyRequireApproval,
            riskLevel: .low,
            requestHash: "h",
            runtimeVersion: "test",
            provenanceID: "p",
            createdAt: at,
            updatedAt: at,
            lastEventHash: events.last?.recordHash
        )
        return (action, events)
    }

    @Test func intactChainHasNoProblem() {
        let (action, events) = Self.chain()
        #expect(LedgerVerifier.problem(action: action, events: events) == nil)
    }

    @Test func missingEventsAreFound() {
        let (action, events) = Self.chain()
        #expect(LedgerVerifier.problem(action: action, events: []) == "the action has no events")
        // The newest event deleted: the chain itself is intact, the row disagrees.
        #expect(
            LedgerVerifier.problem(action: action, events: Array(events.dropLast()))?.contains(
                "does not match the action row"
            ) == true
        )
        // The oldest deleted: the first remaining event has a prev_hash.
        #expect(LedgerVerifier.problem(action: action, events: Array(events.dropFirst()))?.contains("event #0") == true)
    }

    @Test func editedEventIsFound() {
        let (action, original) = Self.chain()
        var events = original
        events[1].meta = .object(["edited": .bool(true)])
        #expect(LedgerVerifier.problem(action: action, events: events)?.contains("event #1") == true)
    }

    @Test func stateFileRoundTrips() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("verifier-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state/verify.json").path
        #expect(try VerifiedCheckpoint.load(path) == nil)
        let root = LedgerHash(hex: String(repeating: "ab", count: 32))!
        let chain = LedgerHash(hex: String(repeating: "cd", count: 32))!
        let checkpoint = LedgerCheckpoint(
            treeSize: 42,
            rootHash: root,
            chainHash: chain,
            signedAt: Self.at,
            keyID: "k1",
            signature: []
        )
        let state = VerifiedCheckpoint(checkpoint: checkpoint, verifiedAt: Self.at.addingTimeInterval(0.000_000_4))
        try state.save(to: path)
        #expect(try VerifiedCheckpoint.load(path) == state)
        #expect(state.treeSize == 42 && state.rootHash == root && state.keyID == "k1")
    }

    @Test func malformedStateFileIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("verifier-\(UUID().uuidString).json")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"tree_size": "twelve"}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: VerifiedCheckpoint.FileError.self) { try VerifiedCheckpoint.load(path) }
        do {
            _ = try VerifiedCheckpoint.load(path)
        } catch {
            #expect(error.description == "\(path) is not a verify-log state file")
        }
    }

    @Test func optionsDefaults() {
        let options = LedgerVerifier.Options()
        #expect(options.pinnedKeys.isEmpty && options.since == nil && options.remembered == nil)
        #expect(options.grace == 60 && options.pageSize == 2000)
    }
}
