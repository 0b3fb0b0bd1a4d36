import FarameshAPI

/// Filters and paging of `GET /v1/actions` (all optional; the server defaults `limit` to 20).
public struct ActionListQuery: Sendable, Hashable {
    public var status: ActionStatus?
    public var tool: String?
    public var agentID: String?
    public var riskLevel: RiskLevel?
    /// 1…1000.
    public var limit: Int?
    /// The `nextCursor` of a previous page.
    public var cursor: String?

    public init(status: ActionStatus? = nil, tool: String? = nil, agentID: String? = nil, riskLevel: RiskLevel? = nil,
                limit: Int? = nil, cursor: String? = nil) {
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
        return items
    }
}
