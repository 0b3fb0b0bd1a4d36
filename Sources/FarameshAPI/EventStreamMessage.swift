/// The JSON of one `GET /v1/events` frame (`data:` line), in the original's envelope:
/// `{"type": "action.<event_type>", "data": {...}, "timestamp": "<event time>Z"}`.
///
/// Every event type is sent (created, decision_made, approved, denied, expired, started,
/// succeeded, failed, timeout), one frame per event; there is no separate `action.updated`
/// frame (frames are unnamed, so an `EventSource.onmessage` handler sees them all). `data`
/// carries the original's members (`id` is the action id) plus the event's own: `seq` (also the
/// frame's `id:`), `event_type`, `event_id`, `actor`, `meta`, `created_at`. `status` and
/// `decision` are the action's values right after this event. Approval tokens never appear.
package struct EventStreamMessage: Sendable, Hashable, JSONWritable {
    package var type: String
    package var data: EventStreamData
    /// When the event was recorded (not when it was sent), so every replica sends the same bytes.
    package var timestamp: String

    package init(data: EventStreamData) {
        self.type = "action." + data.eventType.rawValue
        self.data = data
        self.timestamp = data.createdAt
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.type = try r.string("type")
        self.data = try EventStreamData(json: try r.object("data"))
        self.timestamp = try r.string("timestamp")
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("type", self.type)
        w.key("data")
        self.data.write(to: &w)
        w.member("timestamp", self.timestamp)
        w.endObject()
    }
}

/// `data` of an event-stream frame.
package struct EventStreamData: Sendable, Hashable, JSONWritable {
    /// The action id (as in the original).
    package var id: String
    package var seq: Int64
    package var eventType: ActionEventType
    package var eventID: String
    package var status: ActionStatus
    package var decision: PolicyEffect
    package var agentID: String
    package var tool: String
    package var operation: String
    /// The event's reason where it has one, else the action's reason when the event was read.
    package var reason: String
    package var riskLevel: RiskLevel
    /// Token name of whoever caused the event, or "system".
    package var actor: String
    package var meta: JSONValue
    package var createdAt: String

    package init(
        id: String,
        seq: Int64,
        eventType: ActionEventType,
        eventID: String,
        status: ActionStatus,
        decision: PolicyEffect,
        agentID: String,
        tool: String,
        operation: String,
        reason: String,
        riskLevel: RiskLevel,
        actor: String,
        meta: JSONValue,
        createdAt: String
    ) {
        self.id = id
        self.seq = seq
        self.eventType = eventType
        self.eventID = eventID
        self.status = status
        self.decision = decision
        self.agentID = agentID
        self.tool = tool
        self.operation = operation
        self.reason = reason
        self.riskLevel = riskLevel
        self.actor = actor
        self.meta = meta
        self.createdAt = createdAt
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.id = try r.string("id")
        self.seq = try r.int("seq")
        self.eventType = try r.enumValue("event_type", ActionEventType.self)
        self.eventID = try r.string("event_id")
        self.status = try r.enumValue("status", ActionStatus.self)
        self.decision = try r.enumValue("decision", PolicyEffect.self)
        self.agentID = try r.string("agent_id")
        self.tool = try r.string("tool")
        self.operation = try r.string("operation")
        self.reason = try r.string("reason")
        self.riskLevel = try r.enumValue("risk_level", RiskLevel.self)
        self.actor = try r.string("actor")
        self.meta = try r.object("meta")
        self.createdAt = try r.string("created_at")
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("id", self.id)
        w.member("action_id", self.id)
        w.member("seq", self.seq)
        w.member("event_type", self.eventType.rawValue)
        w.member("event_id", self.eventID)
        w.member("status", self.status.rawValue)
        w.member("decision", self.decision.rawValue)
        w.member("agent_id", self.agentID)
        w.member("tool", self.tool)
        w.member("operation", self.operation)
        w.member("reason", self.reason)
        w.member("risk_level", self.riskLevel.rawValue)
        w.member("actor", self.actor)
        w.member("meta", json: self.meta)
        w.member("created_at", self.createdAt)
        w.endObject()
    }
}
