import Yams

/// A sample action for `policy-diff --samples` (and the input of a policy test case):
///
/// ```yaml
/// - name: small refund          # optional
///   agent_id: billing-bot       # optional, default "policy-test"
///   tool: stripe
///   op: refund                  # or operation
///   params: {amount: 50}        # optional, default {}
///   context: {}                 # optional, default {}
/// ```
/// A samples file is such a list, a mapping with `samples:`, or a policy tests file (`cases:`,
/// whose actions are used).
public struct PolicySample: Sendable, Hashable {
    public var name: String?
    public var line: Int
    public var request: ActionRequest

    public init(name: String?, line: Int, request: ActionRequest) {
        self.name = name
        self.line = line
        self.request = request
    }

    /// `name`, else `tool.op` with the line.
    public var label: String { name ?? "\(request.tool).\(request.operation) (line \(line))" }

    /// The agent id used when a sample or test case does not name one.
    public static let defaultAgentID = "policy-test"

    static let actionKeys = ["agent_id", "tool", "op", "operation", "params", "context"]

    /// Parses a samples file.
    public static func parseAll(yaml: String, source: String) throws(PolicyLoadError) -> [PolicySample] {
        let reader = PolicyYAMLReader(file: source)
        let root = try reader.compose(yaml)
        if case .mapping(let mapping) = root {
            if mapping["cases"] != nil {
                return try PolicyTestSuite.parse(root: root, reader: reader).cases.map {
                    PolicySample(name: $0.name, line: $0.line, request: $0.request)
                }
            }
            let top = try reader.mapping(root, .root, allowed: ["samples", "description"])
            guard let list = top.first(where: { $0.key == "samples" }) else {
                throw reader.error("missing 'samples' (a list of actions)", at: root, .root)
            }
            return try parseList(list.value, list.location, reader: reader)
        }
        return try parseList(root, .root, reader: reader)
    }

    private static func parseList(
        _ node: Node,
        _ location: PolicyYAMLReader.Location,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> [PolicySample] {
        var samples: [PolicySample] = []
        for (index, item) in try reader.sequence(node, location).enumerated() {
            let at = location.item(index)
            var name: String?
            var actionEntries: [PolicyYAMLReader.Entry] = []
            for entry in try reader.mapping(item, at, allowed: ["name"] + actionKeys) {
                if entry.key == "name" {
                    name = try reader.string(entry.value, entry.location)
                } else {
                    actionEntries.append(entry)
                }
            }
            let request = try action(from: actionEntries, node: item, at, reader: reader)
            samples.append(PolicySample(name: name, line: item.mark?.line ?? 0, request: request))
        }
        return samples
    }

    /// Parses an action mapping (keys `actionKeys`).
    static func action(
        _ node: Node,
        _ location: PolicyYAMLReader.Location,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> ActionRequest {
        try action(from: reader.mapping(node, location, allowed: actionKeys), node: node, location, reader: reader)
    }

    private static func action(
        from entries: [PolicyYAMLReader.Entry],
        node: Node,
        _ location: PolicyYAMLReader.Location,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> ActionRequest {
        var agentID = defaultAgentID
        var tool: String?
        var operation: String?
        var params = JSONValue.object([:])
        var context = JSONValue.object([:])
        for entry in entries {
            switch entry.key {
            case "agent_id": agentID = try reader.string(entry.value, entry.location)
            case "tool": tool = try reader.string(entry.value, entry.location)
            case "op", "operation":
                if operation != nil {
                    throw reader.error("'op' and 'operation' are aliases; keep one", at: entry.keyNode, location)
                }
                operation = try reader.string(entry.value, entry.location)
            case "params", "context":
                let value = try reader.json(entry.value, entry.location)
                guard case .object = value else {
                    throw reader.error("\(entry.key) must be a mapping", at: entry.value, entry.location)
                }
                if entry.key == "params" { params = value } else { context = value }
            default:
                throw reader.error("unknown key '\(entry.key)'", at: entry.keyNode, location)
            }
        }
        guard let tool else { throw reader.error("missing 'tool'", at: node, location) }
        guard let operation else { throw reader.error("missing 'op' (or 'operation')", at: node, location) }
        return ActionRequest(agentID: agentID, tool: tool, operation: operation, params: params, context: context)
    }
}
