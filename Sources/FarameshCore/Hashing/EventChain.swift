import Foundation

/// Result of checking one action's event chain.
public enum ChainVerification: Sendable, Equatable {
    case valid(count: Int)
    /// The first event that does not fit, and why (safe to show).
    case broken(index: Int, eventID: UUID, reason: String)
}

/// The per-action hash chain of `action_events`.
///
/// `record_hash = sha256hex(canonical({"action_id","created_at","event_type","id","meta"}) ‖ prev_hash)`
/// where ids are lower-case UUID strings, `created_at` is `WireTimestamp.format`, and the ASCII
/// hex `prev_hash` is appended only when there is one (the first event has none). This is the
/// original's §6 algorithm, except that the timestamp is the UTC wire format, not a naive one.
public enum EventChain {
    public static func recordHash(
        eventID: UUID,
        actionID: UUID,
        type: ActionEventType,
        createdAt: Date,
        meta: JSONValue,
        prevHash: String?
    ) -> String {
        var out = CanonicalJSON.Buffer(capacity: 512)
        out.write("{\"action_id\":\"")
        appendUUID(actionID, to: &out)
        out.write("\",\"created_at\":\"")
        WireTimestamp.write(micros: WireTimestamp.microseconds(createdAt), into: &out)
        out.write("\",\"event_type\":")
        CanonicalJSON.encodeString(type.rawValue, into: &out)
        out.write(",\"id\":\"")
        appendUUID(eventID, to: &out)
        out.write("\",\"meta\":")
        CanonicalJSON.encode(meta, into: &out)
        out.write(UInt8(ascii: "}"))
        if let prevHash { out.write(prevHash) }
        return SHA256Hex.hashBuffer(UnsafeRawBufferPointer(out.bytes))
    }

    /// A new event with its record hash. `at` is truncated to whole microseconds first, so the
    /// event equals what the store reads back. Pass `id` for a deterministic event (the state
    /// machine does); the default draws a random one.
    public static func makeEvent(
        id: UUID = UUID(),
        actionID: UUID,
        type: ActionEventType,
        meta: JSONValue,
        actor: String,
        at: Date,
        prevHash: String?
    ) -> ActionEvent {
        let createdAt = WireTimestamp.date(microseconds: WireTimestamp.microseconds(at))
        let hash = recordHash(
            eventID: id,
            actionID: actionID,
            type: type,
            createdAt: createdAt,
            meta: meta,
            prevHash: prevHash
        )
        return ActionEvent(
            id: id,
            actionID: actionID,
            type: type,
            meta: meta,
            actor: actor,
            createdAt: createdAt,
            prevHash: prevHash,
            recordHash: hash
        )
    }

    /// Checks one action's timeline, oldest first: all events belong to the same action, the
    /// first has no prev_hash, each prev_hash is the previous record_hash, and every record_hash
    /// recomputes from the event's contents. Truncation of the newest events is not visible
    /// here; compare the last record_hash with the action's `lastEventHash` for that.
    public static func verify(_ events: [ActionEvent]) -> ChainVerification {
        var previous: String?
        for (index, event) in events.enumerated() {
            if index == 0 {
                if event.prevHash != nil {
                    return .broken(
                        index: 0,
                        eventID: event.id,
                        reason: "first event has a prev_hash (earlier events missing)"
                    )
                }
            } else {
                if event.actionID != events[0].actionID {
                    return .broken(index: index, eventID: event.id, reason: "event belongs to another action")
                }
                if event.prevHash != previous {
                    return .broken(
                        index: index,
                        eventID: event.id,
                        reason: "prev_hash does not match the previous event's record_hash"
                    )
                }
            }
            let expected = recordHash(
                eventID: event.id,
                actionID: event.actionID,
                type: event.type,
                createdAt: event.createdAt,
                meta: event.meta,
                prevHash: event.prevHash
            )
            if expected != event.recordHash {
                return .broken(
                    index: index,
                    eventID: event.id,
                    reason: "record_hash does not match the event's contents"
                )
            }
            previous = event.recordHash
        }
        return .valid(count: events.count)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case canonical UUID text (8-4-4-4-12).
    static func appendUUID(_ id: UUID, to out: inout CanonicalJSON.Buffer) {
        out.reserve(36)
        withUnsafeBytes(of: id.uuid) { raw in
            for (i, b) in raw.enumerated() {
                if i == 4 || i == 6 || i == 8 || i == 10 { out.put(UInt8(ascii: "-")) }
                out.put(hexDigits[Int(b >> 4)])
                out.put(hexDigits[Int(b & 0x0F)])
            }
        }
    }
}
