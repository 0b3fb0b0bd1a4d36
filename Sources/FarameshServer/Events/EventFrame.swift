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
        let meta = event.meta
        let metaDecision = meta["decision"]?.stringValue.flatMap(PolicyEffect.init(rawValue:))
        let status: ActionStatus
        let decision: PolicyEffect
        if let transition = ActionTransition(recording: event.type) {
            status = transition.resultingStatus
            switch transition {
            case .approve: decision = .allow
            case .deny: decision = .deny
            default: decision = entry.actionDecision
            }
        } else {
            // created, decision_made: the submit's decision.
            let outcome = meta["outcome"]?.stringValue.flatMap(DecisionOutcome.init(rawValue:))
            status = outcome.map(Self.status(after:)) ?? metaDecision.map(Self.status(after:)) ?? entry.actionStatus
            decision = metaDecision ?? entry.actionDecision
        }
        let reason: String
        if let own = meta["reason"]?.stringValue {
            reason = own
        } else {
            switch event.type {
            case .approved: reason = ActionController.defaultApprovedReason
            case .denied: reason = ActionController.defaultDeniedReason
            case .created: reason = decisionReason ?? entry.actionReason
            default: reason = entry.actionReason
            }
        }
        return EventStreamData(
            id: event.actionID.uuidString.lowercased(), seq: event.seq, eventType: event.type,
            eventID: event.id.uuidString.lowercased(), status: status, decision: decision, agentID: entry.agentID,
            tool: entry.tool, operation: entry.operation, reason: reason, riskLevel: entry.riskLevel,
            actor: event.actor, meta: meta, createdAt: WireTimestamp.format(event.createdAt))
    }

    static func status(after outcome: DecisionOutcome) -> ActionStatus {
        switch outcome {
        case .execute: return .allowed
        case .halt: return .denied
        case .abstain: return .pendingApproval
        }
    }

    static func status(after effect: PolicyEffect) -> ActionStatus {
        switch effect {
        case .allow: return .allowed
        case .deny: return .denied
        case .requireApproval: return .pendingApproval
        }
    }
}
