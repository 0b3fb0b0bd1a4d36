/// The agent ids a caller may act as: submit and gate-decide with, and (for agent tokens) read,
/// stream, start and report results for.
///
/// Built from a token: by default exactly its own name; `faramesh token create --agent-id ID`
/// (repeatable) replaces that with the given entries, where a `*` inside an entry is a glob (the
/// policy's `NamePattern` syntax: `team-*`, `*-bot`, `*`). Admin tokens and local mode have no
/// scope (nil at the call sites): they act for any agent id.
public struct AgentScope: Sendable, Hashable, CustomStringConvertible {
    /// Names matched exactly, byte for byte like the policy's names (the token's own name is
    /// always exact, even if it contains `*`).
    public let exact: [String]
    private let exactBytes: Set<[UInt8]>
    /// Entries with a `*`.
    public let patterns: [NamePattern]

    /// A scope of exactly one name (a token without `--agent-id` entries).
    public init(name: String) {
        self.exact = [name]
        self.exactBytes = [Array(name.utf8)]
        self.patterns = []
    }

    /// A scope from `--agent-id` entries (entries with `*` are globs).
    public init(entries: [String]) {
        var exact: [String] = []
        var exactBytes: Set<[UInt8]> = []
        var patterns: [NamePattern] = []
        for entry in entries {
            if entry.utf8.contains(UInt8(ascii: "*")) {
                let pattern = NamePattern(entry)
                if !patterns.contains(where: { $0.pattern.utf8.elementsEqual(entry.utf8) }) { patterns.append(pattern) }
            } else if exactBytes.insert(Array(entry.utf8)).inserted {
                exact.append(entry)
            }
        }
        self.exact = exact
        self.exactBytes = exactBytes
        self.patterns = patterns
    }

    /// True when a pattern is `*` alone: every agent id is allowed.
    public var allowsEverything: Bool { self.patterns.contains(where: \.matchesEverything) }

    public func allows(_ agentID: String) -> Bool {
        self.exactBytes.contains(Array(agentID.utf8)) || self.patterns.contains(where: { $0.matches(agentID) })
    }

    /// The entries: exact names, then the patterns, each in the order given.
    public var entries: [String] { self.exact + self.patterns.map(\.pattern) }

    public var description: String { self.entries.joined(separator: ", ") }
}
