import FarameshAPI
import FarameshCore
import Foundation

/// Query parameters of `GET /v1/events`: which events a stream carries, and where it resumes.
///
/// Filters (each optional; a comma-separated list matches any of its values): `agent_id`, `tool`,
/// `status` (the action's status right after the event), `event_type`, `action_id`. Resume:
/// `last_event_id` (for clients that cannot send the `Last-Event-ID` header; the header wins).
struct EventStreamFilter: Sendable, Hashable {
    static let maxValuesPerFilter = 50

    var agentIDs: Set<String>?
    var tools: Set<String>?
    var statuses: Set<ActionStatus>?
    var eventTypes: Set<ActionEventType>?
    var actionIDs: Set<UUID>?
    /// Set by the server, not a parameter: an agent token's stream carries only the agent ids it
    /// may act as.
    var agentScope: AgentScope?

    var isEmpty: Bool {
        self.agentIDs == nil && self.tools == nil && self.statuses == nil && self.eventTypes == nil
            && self.actionIDs == nil
            && self.agentScope == nil
    }

    func matches(_ frame: EventFrame) -> Bool {
        if let agentScope, !agentScope.allows(frame.agentID) { return false }
        if let agentIDs, !agentIDs.contains(frame.agentID) { return false }
        if let tools, !tools.contains(frame.tool) { return false }
        if let statuses, !statuses.contains(frame.status) { return false }
        if let eventTypes, !eventTypes.contains(frame.eventType) { return false }
        if let actionIDs, !actionIDs.contains(frame.actionID) { return false }
        return true
    }

    /// - Throws: `WireValidationError` naming the parameter (unknown parameters are rejected).
    static func parse(rawQuery: String?) throws(WireValidationError) -> (filter: EventStreamFilter, lastEventID: Int64?)
    {
        var filter = EventStreamFilter()
        var lastEventID: Int64?
        var seen: Set<String> = []
        for (key, value) in try ListQuery.formPairs(rawQuery ?? "") {
            guard seen.insert(key).inserted else {
                throw WireValidationError(field: key, message: "given more than once (use a comma-separated list)")
            }
            switch key {
            case "agent_id":
                filter.agentIDs = Set(
                    try self.values(value, name: key).map { v throws(WireValidationError) in
                        try WireText.identifier(v, field: key)
                    }
                )
            case "tool":
                filter.tools = Set(
                    try self.values(value, name: key).map { v throws(WireValidationError) in
                        try WireText.identifier(v, field: key)
                    }
                )
            case "status":
                filter.statuses = Set(
                    try self.values(value, name: key).map { v throws(WireValidationError) in
                        guard let status = ActionStatus(rawValue: v) else {
                            throw WireValidationError(field: key, message: "unknown status '\(v)'")
                        }
                        return status
                    }
                )
            case "event_type":
                filter.eventTypes = Set(
                    try self.values(value, name: key).map { v throws(WireValidationError) in
                        guard let type = ActionEventType(rawValue: v) else {
                            throw WireValidationError(field: key, message: "unknown event type '\(v)'")
                        }
                        return type
                    }
                )
            case "action_id":
                filter.actionIDs = Set(
                    try self.values(value, name: key).map { v throws(WireValidationError) in
                        guard let id = UUID(uuidString: v) else {
                            throw WireValidationError(field: key, message: "must be a full action id (uuid)")
                        }
                        return id
                    }
                )
            case "last_event_id":
                lastEventID = try self.eventID(value, field: key)
            default:
                throw WireValidationError(field: key, message: "unknown query parameter")
            }
        }
        return (filter, lastEventID)
    }

    /// An event id as sent in `id:` lines: a non-negative integer (the event seq).
    static func eventID(_ raw: String, field: String) throws(WireValidationError) -> Int64 {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.count <= 19, trimmed.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int64(trimmed)
        else {
            throw WireValidationError(
                field: field,
                message: "must be an event id sent by this server (a non-negative integer)"
            )
        }
        return value
    }

    private static func values(_ raw: String, name: String) throws(WireValidationError) -> [String] {
        let parts = raw.split(separator: ",", omittingEmptySubsequences: true).map(String.init)
        guard !parts.isEmpty else { throw WireValidationError(field: name, message: "must not be empty") }
        guard parts.count <= self.maxValuesPerFilter else {
            throw WireValidationError(field: name, message: "at most \(self.maxValuesPerFilter) values")
        }
        return parts
    }
}
