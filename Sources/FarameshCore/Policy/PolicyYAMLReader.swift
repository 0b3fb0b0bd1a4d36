import Yams

/// Position-aware reading of a composed YAML document (Yams' Node API), shared by the policy,
/// profile, test-suite and sample compilers. Every error names the file, the line and column of
/// the offending node and its key path, so a typo is reported where it is and never ignored.
struct PolicyYAMLReader {
    let file: String

    /// Where a node sits in the document: a printable key path and, inside `rules[i]`, the rule index.
    struct Location {
        var path: String
        var rule: Int?

        static let root = Location(path: "", rule: nil)

        func key(_ name: String) -> Location {
            Location(path: path.isEmpty ? name : "\(path).\(name)", rule: rule)
        }

        func item(_ index: Int) -> Location {
            Location(path: "\(path)[\(index)]", rule: rule)
        }
    }

    /// One key of a mapping with its value node and location.
    struct Entry {
        var key: String
        var keyNode: Node
        var value: Node
        var location: Location
    }

    // MARK: - Document

    /// Parses `yaml` into its single root node; syntax errors keep libyaml's line and column.
    func compose(_ yaml: String) throws(PolicyLoadError) -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error)
        } catch {
            throw PolicyLoadError(file: file, message: "cannot parse YAML")
        }
        guard let root else { throw PolicyLoadError(file: file, message: "the document is empty") }
        return root
    }

    private func syntaxError(_ error: YamlError) -> PolicyLoadError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            var message = "YAML syntax error: \(problem)"
            if let context {
                message += " (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
            }
            return PolicyLoadError(file: file, line: mark.line, column: mark.column, message: message)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return PolicyLoadError(
                file: file,
                line: context.mark.line,
                column: context.mark.column,
                message: "duplicate key \(keys) in one mapping"
            )
        case .reader(let problem, let offset, _, _):
            let at = offset.map { " at byte \($0)" } ?? ""
            return PolicyLoadError(file: file, message: "cannot read the YAML text\(at): \(problem)")
        default:
            return PolicyLoadError(file: file, message: "cannot parse YAML")
        }
    }

    // MARK: - Errors

    func error(_ message: String, at node: Node?, _ location: Location) -> PolicyLoadError {
        let mark = node?.mark
        return PolicyLoadError(
            file: file,
            ruleIndex: location.rule,
            line: mark?.line,
            column: mark?.column,
            keyPath: location.path.isEmpty ? nil : location.path,
            message: message
        )
    }

    // MARK: - Structure

    /// The entries of a mapping, in document order. Keys must be plain strings from `allowed`;
    /// any other key is an error that suggests the closest allowed one.
    func mapping(_ node: Node, _ location: Location, allowed: [String]) throws(PolicyLoadError) -> [Entry] {
        guard case .mapping(let mapping) = node else {
            throw error("expected a mapping (key: value pairs), found \(kind(of: node))", at: node, location)
        }
        var entries: [Entry] = []
        entries.reserveCapacity(mapping.count)
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw error("keys must be plain strings", at: keyNode, location)
            }
            let key = scalar.string
            guard allowed.contains(key) else {
                var message = "unknown key '\(key)'"
                if let suggestion = Self.closest(to: key, in: allowed) { message += " (did you mean '\(suggestion)'?)" }
                message += "; allowed: \(allowed.joined(separator: ", "))"
                throw error(message, at: keyNode, location)
            }
            entries.append(Entry(key: key, keyNode: keyNode, value: value, location: location.key(key)))
        }
        return entries
    }

    func sequence(_ node: Node, _ location: Location) throws(PolicyLoadError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error("expected a list, found \(kind(of: node))", at: node, location)
        }
        return Array(sequence)
    }

    // MARK: - Scalars

    /// Any non-null scalar as its text (`version: 2` reads as "2"). Empty text is an error.
    func string(_ node: Node, _ location: Location, allowEmpty: Bool = false) throws(PolicyLoadError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error("expected a string, found \(kind(of: node))", at: node, location)
        }
        if node.tag.rawValue == Tag.Name.null.rawValue && scalar.style == .plain {
            throw error("expected a string, found null", at: node, location)
        }
        if !allowEmpty && scalar.string.isEmpty {
            throw error("must not be empty", at: node, location)
        }
        // Descriptions become stored decision reasons, and PostgreSQL text cannot hold U+0000:
        // refuse it here rather than fail every decision that uses the rule.
        if scalar.string.unicodeScalars.contains(where: { $0.value == 0 }) {
            throw error("must not contain U+0000 (NUL)", at: node, location)
        }
        return scalar.string
    }

    /// A YAML boolean (`true` / `false`); strings, numbers and other truthy values are errors.
    func bool(_ node: Node, _ location: Location) throws(PolicyLoadError) -> Bool {
        guard case .scalar(let scalar) = node, node.tag.rawValue == Tag.Name.bool.rawValue,
            let value = Bool.construct(from: scalar)
        else {
            throw error("expected true or false, found \(describe(node))", at: node, location)
        }
        return value
    }

    /// A finite YAML number (integer or float).
    func number(_ node: Node, _ location: Location) throws(PolicyLoadError) -> Double {
        guard case .scalar(let scalar) = node else {
            throw error("expected a number, found \(kind(of: node))", at: node, location)
        }
        let tag = node.tag.rawValue
        let value: Double?
        if tag == Tag.Name.int.rawValue {
            value = Int.construct(from: scalar).map(Double.init) ?? Double(scalar.string)
        } else if tag == Tag.Name.float.rawValue {
            value = Double.construct(from: scalar)
        } else {
            value = nil
        }
        guard let value, value.isFinite else {
            throw error("expected a finite number, found \(describe(node))", at: node, location)
        }
        return value
    }

    func riskLevel(_ node: Node, _ location: Location) throws(PolicyLoadError) -> RiskLevel {
        let text = try string(node, location)
        guard let level = RiskLevel(rawValue: text) else {
            throw error("unknown risk level '\(text)'; expected low, medium or high", at: node, location)
        }
        return level
    }

    /// A duration such as `90s`, `30m`, `1h`, `2d` or `1h30m`.
    func duration(_ node: Node, _ location: Location) throws(PolicyLoadError) -> Duration {
        let text = try string(node, location)
        guard let duration = PolicyDuration.parse(text) else {
            throw error(
                "invalid duration '\(text)'; use a positive number with a unit s, m, h or d, e.g. 90s, 30m, 1h, 2d",
                at: node,
                location
            )
        }
        return duration
    }

    // MARK: - Data

    /// The node as JSON data, with YAML's own typing (quote a string that looks like a number or
    /// boolean). Used for `field`/`value`, test inputs and the canonical form hashed into policy_hash.
    func json(_ node: Node, _ location: Location) throws(PolicyLoadError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            let tag = node.tag.rawValue
            if tag == Tag.Name.null.rawValue { return .null }
            if tag == Tag.Name.bool.rawValue, let value = Bool.construct(from: scalar) { return .bool(value) }
            if tag == Tag.Name.int.rawValue {
                if let value = Int.construct(from: scalar) { return .int(Int64(value)) }
                throw error("integer \(scalar.string) is out of range", at: node, location)
            }
            if tag == Tag.Name.float.rawValue {
                guard let value = Double.construct(from: scalar), value.isFinite else {
                    throw error("number \(scalar.string) is not finite", at: node, location)
                }
                return .double(value)
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            object.reserveCapacity(mapping.count)
            for (keyNode, value) in mapping {
                guard case .scalar(let key) = keyNode else {
                    throw error("keys must be plain strings", at: keyNode, location)
                }
                if object[key.string] != nil {
                    throw error("duplicate key '\(key.string)'", at: keyNode, location)
                }
                object[key.string] = try json(value, location.key(key.string))
            }
            return .object(object)
        case .sequence(let sequence):
            var array: [JSONValue] = []
            array.reserveCapacity(sequence.count)
            for (index, item) in sequence.enumerated() {
                array.append(try json(item, location.item(index)))
            }
            return .array(array)
        case .alias:
            throw error("aliases are not supported here", at: node, location)
        }
    }

    // MARK: - Helpers

    func kind(of node: Node) -> String {
        switch node {
        case .scalar: return node.tag.rawValue == Tag.Name.null.rawValue ? "null" : "a scalar"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    private func describe(_ node: Node) -> String {
        if case .scalar(let scalar) = node { return "'\(scalar.string)'" }
        return kind(of: node)
    }

    /// The allowed key closest to a misspelt one (edit distance ≤ 2, or ≤ 3 for long keys).
    static func closest(to key: String, in allowed: [String]) -> String? {
        let source = Array(key.lowercased().unicodeScalars)
        var best: (String, Int)?
        for candidate in allowed {
            let distance = editDistance(source, Array(candidate.unicodeScalars))
            if distance <= (candidate.count > 8 ? 3 : 2), distance < (best?.1 ?? .max) { best = (candidate, distance) }
        }
        return best?.0
    }

    private static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
