import FarameshAPI
import Foundation

/// Filters and paging of `GET /v1/actions` (all optional; the server defaults `limit` to 20).
package struct ActionListQuery: Sendable, Hashable {
    package var status: ActionStatus?
    package var tool: String?
    package var agentID: String?
    package var riskLevel: RiskLevel?
    /// 1…1000.
    package var limit: Int?
    /// The `nextCursor` of a previous page.
    package var cursor: String?
    /// Case-insensitive substring of id, agent_id, tool, operation or reason (`q`).
    package var search: String?
    /// Created at or after (`since`, inclusive) and before (`until`, exclusive).
    package var since: Date?
    package var until: Date?

    package init(
        status: ActionStatus? = nil,
        tool: String? = nil,
        agentID: String? = nil,
        riskLevel: RiskLevel? = nil,
        limit: Int? = nil,
        cursor: String? = nil,
        search: String? = nil,
        since: Date? = nil,
        until: Date? = nil
    ) {
        self.search = search
        self.since = since
        self.until = until
        self.status = status
        self.tool = tool
        self.agentID = agentID
        self.riskLevel = riskLevel
        self.limit = limit
        self.cursor = cursor
    }

    var queryItems: [(String, String)] {
        var items: [(String, String)] = []
        if let status { items.append(("status", status.rawValue)) }
        if let tool { items.append(("tool", tool)) }
        if let agentID { items.append(("agent_id", agentID)) }
        if let riskLevel { items.append(("risk_level", riskLevel.rawValue)) }
        if let limit { items.append(("limit", String(limit))) }
        if let cursor { items.append(("cursor", cursor)) }
        if let search { items.append(("q", search)) }
        if let since { items.append(("since", WireTimestamp.format(since))) }
        if let until { items.append(("until", WireTimestamp.format(until))) }
        return items
    }
}
