import FarameshCore

/// The tools an upstream server listed, with their annotations, learnt from the `tools/list`
/// responses that pass through (and from the proxy's own listing when a call names a tool it
/// has not seen).
package struct ToolCatalog: Sendable {
    private var annotations: [String: JSONValue] = [:]

    package init() {}

    /// Records the tools of a `tools/list` result.
    package mutating func record(listResult result: JSONValue?) {
        guard case .array(let tools)? = result?["tools"] else { return }
        for tool in tools {
            guard case .string(let name)? = tool["name"] else { continue }
            if case .object(let object)? = tool["annotations"] {
                self.annotations[name] = .object(object)
            } else {
                self.annotations[name] = .object([:])
            }
        }
    }

    /// The `nextCursor` of a `tools/list` result.
    package static func nextCursor(_ result: JSONValue?) -> String? {
        result?["nextCursor"]?.stringValue
    }

    /// The tool's annotations (`{}` when it declared none), nil when it was never listed.
    package func annotations(for name: String) -> JSONValue? { self.annotations[name] }

    package mutating func removeAll() { self.annotations.removeAll() }
}
