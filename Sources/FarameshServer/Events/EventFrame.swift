import FarameshAPI
import FarameshCore
import FarameshStore
import Foundation
import NIOCore

/// One event encoded once as an SSE frame (`id: <seq>\ndata: <json>\n\n`), shared by every
/// client it goes to, with the fields streams filter by.
struct EventFrame: Sendable {
    let seq: Int64
    let actionID: UUID
    let agentID: String
    let tool: String
    let status: ActionStatus
    let eventType: ActionEventType
    /// When the event was recorded (microseconds since 1970), for the delivery-lag metric.
    let createdAtMicros: Int64
    let bytes: ByteBuffer

    /// - Parameter decisionReason: the reason of the action's `decision_made` event when it was
    ///   read together with its `created` event (they commit together), used for `created`.
    init(entry: EventFeedEntry, decisionReason: String?) {
        let data = Self.data(entry, decisionReason: decisionReason)
        var writer = JSONWriter(reservingCapacity: 768)
        EventStreamMessage(data: data).write(to: &writer)
        var buffer = ByteBufferAllocator().buffer(capacity: writer.bytes.count + 32)
        buffer.writeString("id: \(entry.event.seq)\ndata: ")
        // JSONWriter escapes control characters, so the JSON is one line.
        buffer.writeBytes(writer.bytes)
        buffer.writeString("\n\n")
        self.seq = entry.event.seq
        self.actionID = entry.event.actionID
        self.agentID = entry.agentID
        self.tool = entry.tool
        self.status = data.status
        self.eventType = entry.event.type
        self.createdAtMicros = WireTimestamp.microseconds(entry.event.createdAt)
        self.bytes = buffer
    }

    /// Frames for one read, in order (`created` takes its reason from the `decision_made` read with it).
    static func frames(for entries: [EventFeedEntry]) -> [EventFrame] {
        var decisionReasons: [UUID: String] = [:]
        for entry in entries where entry.event.type == .decisionMade {
            if let reason = entry.event.meta["reason"]?.stringValue { decisionReasons[entry.event.actionID] = reason }
        }
        return entries.map { EventFrame(entry: $0, decisionReason: decisionReasons[$0.event.actionID]) }
    }

    static func data(_ entry: EventFeedEntry, decisionReason: String?) -> EventStreamData {
        let event = entry.event
        // What the event did, by the state machine's own definition; the row's current values
        // fill what the event does not set.
        let effect = ActionStateMachine.effect(of: event)
        let fallbackReason = event.type == .created ? decisionReason ?? entry.actionReason : entry.actionReason
        return EventStreamData(
            id: event.actionID.uuidString.lowercased(),
            seq: event.seq,
            eventType: event.type,
            eventID: event.id.uuidString.lowercased(),
            status: effect.status ?? entry.actionStatus,
            decision: effect.decision ?? entry.actionDecision,
            agentID: entry.agentID,
            tool: entry.tool,
            operation: entry.operation,
            reason: effect.reason ?? fallbackReason,
            riskLevel: entry.riskLevel,
            actor: event.actor,
            meta: event.meta,
            createdAt: WireTimestamp.format(event.createdAt)
        )
    }
}
