import FarameshCore
import Foundation
import Testing

@Suite("EventChain")
struct EventChainTests {
    static let actionID = UUID(uuidString: "0E5A7C1D-93B2-4C4F-A1D8-5F2E3B7C9A10") ?? UUID()
    static let eventID = UUID(uuidString: "6F1C9A7E-2B4D-4F0A-9C3E-8D5B1A2F7E64") ?? UUID()
    static let createdAt = WireTimestamp.date(microseconds: 1_795_543_868_231_760)  // 2026-11-24T18:11:08.231760Z
    static let meta: JSONValue = .object([
        "risk_level": .string("high"), "reason": .string("Zürich \u{2028} \"x\""),
        "n": .array([.int(1), .double(2.5)]),
    ])

    @Test func recordHashMatchesPythonCanonicalization() {
        // hashlib.sha256(canonicalize({"id", "action_id", "event_type", "created_at", "meta"}).encode()
        //                [+ prev_hash.encode()]).hexdigest() with faramesh-sdk 0.3.3.
        let genesis = EventChain.recordHash(
            eventID: Self.eventID,
            actionID: Self.actionID,
            type: .decisionMade,
            createdAt: Self.createdAt,
            meta: Self.meta,
            prevHash: nil
        )
        #expect(genesis == "be3675ad0fff17ad53d22688903ad2d30ace44839331f6901670f66585c0b2c0")
        let linked = EventChain.recordHash(
            eventID: Self.eventID,
            actionID: Self.actionID,
            type: .decisionMade,
            createdAt: Self.createdAt,
            meta: Self.meta,
            prevHash: String(repeating: "ab", count: 32)
        )
        #expect(linked == "5c459060f9c4cca12a351a4d3a912b6e3c7b3b69a073853efbf6f078ee748fdc")
    }

    @Test func recordHashIsTheCanonicalDocumentPlusPrevHash() {
        let expectedDocument: JSONValue = .object([
            "id": .string(Self.eventID.uuidString.lowercased()),
            "action_id": .string(Self.actionID.uuidString.lowercased()),
            "event_type": .string("decision_made"),
            "created_at": .string("2026-11-24T18:11:08.231760Z"),
            "meta": Self.meta,
        ])
        let prev = String(repeating: "0f", count: 32)
        let expected = SHA256Hex.hash(CanonicalJSON.bytes(expectedDocument) + Array(prev.utf8))
        #expect(
            EventChain.recordHash(
                eventID: Self.eventID,
                actionID: Self.actionID,
                type: .decisionMade,
                createdAt: Self.createdAt,
                meta: Self.meta,
                prevHash: prev
            ) == expected
        )
    }

    /// created → decision_made → approved → started → succeeded, one second apart.
    static func chain(start: Date = createdAt) -> [ActionEvent] {
        let types: [ActionEventType] = [.created, .decisionMade, .approved, .started, .succeeded]
        var events: [ActionEvent] = []
        for (i, type) in types.enumerated() {
            let event = EventChain.makeEvent(
                actionID: actionID,
                type: type,
                meta: .object(["step": .int(Int64(i)), "note": .string("n\(i)")]),
                actor: i == 0 ? "agent-1" : "approver",
                at: start.addingTimeInterval(Double(i) + 0.0000004),
                prevHash: events.last?.recordHash
            )
            events.append(event)
        }
        return events
    }

    @Test func makeEventLinksAndVerifies() {
        let events = Self.chain()
        #expect(EventChain.verify(events) == .valid(count: 5))
        #expect(EventChain.verify([]) == .valid(count: 0))
        #expect(events[0].prevHash == nil)
        for i in 1..<events.count { #expect(events[i].prevHash == events[i - 1].recordHash) }
        #expect(Set(events.map(\.id)).count == events.count)
        #expect(Set(events.map(\.recordHash)).count == events.count)
        // Truncated to whole microseconds, as the store will read it back.
        for e in events {
            #expect(WireTimestamp.date(microseconds: WireTimestamp.microseconds(e.createdAt)) == e.createdAt)
        }
        #expect(events[1].actor == "approver")
        #expect(events[1].seq == 0)
    }

    @Test func detectsEditedMeta() {
        var events = Self.chain()
        events[2].meta = .object(["step": .int(2), "note": .string("forged")])
        guard case .broken(let index, let id, let reason) = EventChain.verify(events) else {
            Issue.record("tampering not detected")
            return
        }
        #expect(index == 2)
        #expect(id == events[2].id)
        #expect(reason.contains("record_hash"))
    }

    @Test func detectsEditedFields() {
        let original = Self.chain()
        var edits: [[ActionEvent]] = []
        var e = original
        e[1].type = .denied
        edits.append(e)
        e = original
        e[3].createdAt = e[3].createdAt.addingTimeInterval(0.000001)
        edits.append(e)
        e = original
        e[4].actionID = UUID()
        edits.append(e)
        e = original
        e[0].id = UUID()
        edits.append(e)
        e = original
        e[4].recordHash = String(repeating: "0", count: 64)
        edits.append(e)
        for (n, edited) in edits.enumerated() {
            #expect(EventChain.verify(edited) != .valid(count: 5), "edit \(n) not detected")
        }
    }

    @Test func detectsRemovedEvent() {
        var events = Self.chain()
        events.remove(at: 2)
        #expect(
            EventChain.verify(events)
                == .broken(
                    index: 2,
                    eventID: events[2].id,
                    reason: "prev_hash does not match the previous event's record_hash"
                )
        )
    }

    @Test func detectsRemovedFirstEvent() {
        let events = Array(Self.chain().dropFirst())
        guard case .broken(let index, _, let reason) = EventChain.verify(events) else {
            Issue.record("missing genesis not detected")
            return
        }
        #expect(index == 0)
        #expect(reason.contains("prev_hash"))
    }

    @Test func detectsReorderedEvents() {
        var events = Self.chain()
        events.swapAt(1, 3)
        guard case .broken(let index, _, _) = EventChain.verify(events) else {
            Issue.record("reordering not detected")
            return
        }
        #expect(index == 1)
    }

    @Test func detectsWrongFirstPrevHash() {
        var events = Self.chain()
        let forged = String(repeating: "a", count: 64)
        events[0] = EventChain.makeEvent(
            actionID: Self.actionID,
            type: .created,
            meta: events[0].meta,
            actor: "agent-1",
            at: events[0].createdAt,
            prevHash: forged
        )
        guard case .broken(let index, _, _) = EventChain.verify(events) else {
            Issue.record("non-nil genesis prev_hash not detected")
            return
        }
        #expect(index == 0)
    }

    @Test func detectsEventsOfAnotherAction() {
        var events = Self.chain()
        let other = EventChain.makeEvent(
            actionID: UUID(),
            type: .failed,
            meta: .object([:]),
            actor: "x",
            at: Self.createdAt,
            prevHash: events.last?.recordHash
        )
        events.append(other)
        #expect(
            EventChain.verify(events) == .broken(index: 5, eventID: other.id, reason: "event belongs to another action")
        )
    }

    @Test func rehashedForgeryStillLinksOnlyWithNewHashes() {
        // Rewriting an event and re-hashing everything after it yields a valid chain whose last hash
        // differs: what the action row's lastEventHash (and the global ledger) exists to catch.
        let original = Self.chain()
        var forged: [ActionEvent] = []
        for (i, e) in original.enumerated() {
            let meta: JSONValue = i == 2 ? .object(["forged": .bool(true)]) : e.meta
            let hash = EventChain.recordHash(
                eventID: e.id,
                actionID: e.actionID,
                type: e.type,
                createdAt: e.createdAt,
                meta: meta,
                prevHash: forged.last?.recordHash
            )
            forged.append(
                ActionEvent(
                    id: e.id,
                    actionID: e.actionID,
                    type: e.type,
                    meta: meta,
                    actor: e.actor,
                    createdAt: e.createdAt,
                    prevHash: forged.last?.recordHash,
                    recordHash: hash
                )
            )
        }
        #expect(EventChain.verify(forged) == .valid(count: 5))
        #expect(forged.last?.recordHash != original.last?.recordHash)
    }
}
