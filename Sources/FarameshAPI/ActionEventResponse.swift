import Foundation

/// One entry of `GET /v1/actions/{id}/events`: the original's seven members plus `seq` and `actor`.
package struct ActionEventResponse: Sendable, Hashable, JSONWritable {
    package var id: String
    package var actionID: String
    package var eventType: ActionEventType
    package var meta: JSONValue
    package var createdAt: String
    package var prevHash: String?
    package var recordHash: String
    /// Global position (the SSE cursor).
    package var seq: Int64
    /// Token name of whoever caused the event, or "system".
    package var actor: String

    package init(
        id: String,
        actionID: String,
        eventType: ActionEventType,
        meta: JSONValue,
        createdAt: String,
        prevHash: String?,
        recordHash: String,
        seq: Int64,
        actor: String
    ) {
        self.id = id
        self.actionID = actionID
        self.eventType = eventType
        self.meta = meta
        self.createdAt = createdAt
        self.prevHash = prevHash
        self.recordHash = recordHash
        self.seq = seq
        self.actor = actor
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.id = try r.string("id")
        self.actionID = try r.string("action_id")
        self.eventType = try r.enumValue("event_type", ActionEventType.self)
        self.meta = try r.object("meta")
        self.createdAt = try r.string("created_at")
        self.prevHash = try r.optionalString("prev_hash")
        self.recordHash = try r.string("record_hash")
        self.seq = try r.int("seq")
        self.actor = try r.string("actor")
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("id", self.id)
        w.member("action_id", self.actionID)
        w.member("event_type", self.eventType.rawValue)
        w.member("meta", json: self.meta)
        w.member("created_at", self.createdAt)
        w.member("prev_hash", self.prevHash)
        w.member("record_hash", self.recordHash)
        w.member("seq", self.seq)
        w.member("actor", self.actor)
        w.endObject()
    }
}
