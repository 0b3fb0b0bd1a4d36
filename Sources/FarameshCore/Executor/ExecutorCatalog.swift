import Yams

/// The executors file, compiled: which tools the server runs itself, and how. Pure: the caller
/// reads the file; `compile` only parses and validates.
///
/// ```yaml
/// executors:
///   - tool: deploy
///     operation: run                      # optional; omit for every operation of the tool
///     name: deploy-service                # optional label for the started event
///     command: ["/usr/local/bin/deploy", "--service", "{params.service}"]
///     timeout: 30s                        # default 60s, at most 1h
///     max_output_bytes: 65536             # per stream, default 64 KiB, at most 1 MiB
///     working_directory: /var/lib/faramesh/work   # default: fresh private temp dir per run
///     environment: {PATH: "/usr/bin:/bin"}        # the child's whole environment
/// ```
public struct ExecutorCatalog: Sendable {
    public let executors: [ExecutorSpec]

    public static let empty = ExecutorCatalog(executors: [])

    public init(executors: [ExecutorSpec]) { self.executors = executors }

    public var isEmpty: Bool { executors.isEmpty }

    /// First entry (in file order) for this tool and operation.
    public func executor(tool: String, operation: String) -> ExecutorSpec? {
        executors.first { $0.matches(tool: tool, operation: operation) }
    }

    /// Distinct tools with an executor, in file order.
    public var tools: [String] {
        var seen = Set<String>()
        return executors.compactMap { seen.insert($0.tool).inserted ? $0.tool : nil }
    }

    static let entryKeys = [
        "tool", "operation", "name", "command", "timeout", "max_output_bytes",
        "working_directory", "environment",
    ]

    /// Parses and validates the document. Errors name the file, the line and column, the entry
    /// (`executors[2].timeout`) and what is wrong; unknown keys are errors.
    public static func compile(yaml: String, source: String) throws(PolicyLoadError) -> ExecutorCatalog {
        let reader = PolicyYAMLReader(file: source)
        let root = try reader.compose(yaml)
        var executors: [ExecutorSpec] = []
        for entry in try reader.mapping(root, .root, allowed: ["executors"]) {
            if case .scalar = entry.value, entry.value.tag.rawValue == Tag.Name.null.rawValue { continue }
            for (index, node) in try reader.sequence(entry.value, entry.location).enumerated() {
                let location = entry.location.item(index)
                let spec = try compileEntry(node, index: index, location, reader: reader)
                if let earlier = executors.first(where: {
                    $0.tool == spec.tool && ($0.operation == nil || $0.operation == spec.operation)
                }) {
                    let what = spec.operation.map { "tool '\(spec.tool)', operation '\($0)'" } ?? "tool '\(spec.tool)'"
                    throw reader.error(
                        "\(what) is already covered by executors[\(earlier.index)]; this entry would never be used",
                        at: node,
                        location
                    )
                }
                executors.append(spec)
            }
        }
        return ExecutorCatalog(executors: executors)
    }

    private static func compileEntry(
        _ node: Node,
        index: Int,
        _ location: PolicyYAMLReader.Location,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> ExecutorSpec {
        let entries = try reader.mapping(node, location, allowed: entryKeys)
        var tool: String?
        var operation: String?
        var name: String?
        var command: [ArgvTemplate]?
        var timeout = ExecutorSpec.defaultTimeout
        var maxOutputBytes = ExecutorSpec.defaultMaxOutputBytes
        var workingDirectory: String?
        var environment = ExecutorSpec.defaultEnvironment
        for entry in entries {
            switch entry.key {
            case "tool": tool = try reader.string(entry.value, entry.location)
            case "operation": operation = try reader.string(entry.value, entry.location)
            case "name": name = try reader.string(entry.value, entry.location)
            case "command": command = try compileCommand(entry, reader: reader)
            case "timeout":
                timeout = try reader.duration(entry.value, entry.location)
                guard timeout <= ExecutorSpec.maximumTimeout else {
                    throw reader.error("timeout must be at most 1h", at: entry.value, entry.location)
                }
            case "max_output_bytes":
                let value = try reader.number(entry.value, entry.location)
                guard value.rounded() == value, value >= 1, value <= Double(ExecutorSpec.maximumMaxOutputBytes) else {
                    throw reader.error(
                        "must be a whole number from 1 to \(ExecutorSpec.maximumMaxOutputBytes)",
                        at: entry.value,
                        entry.location
                    )
                }
                maxOutputBytes = Int(value)
            case "working_directory":
                let path = try reader.string(entry.value, entry.location)
                guard path.hasPrefix("/"), !path.utf8.contains(0) else {
                    throw reader.error("must be an absolute path", at: entry.value, entry.location)
                }
                workingDirectory = path
            case "environment":
                environment = try compileEnvironment(entry, reader: reader)
            default:
                break
            }
        }
        guard let tool else { throw reader.error("missing required key 'tool'", at: node, location) }
        guard let command else { throw reader.error("missing required key 'command'", at: node, location) }
        return ExecutorSpec(
            index: index,
            name: name ?? operation.map { "\(tool)/\($0)" } ?? tool,
            tool: tool,
            operation: operation,
            executable: command[0].description,
            arguments: command,
            timeout: timeout,
            maxOutputBytes: maxOutputBytes,
            workingDirectory: workingDirectory,
            environment: environment
        )
    }

    private static func compileCommand(
        _ entry: PolicyYAMLReader.Entry,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> [ArgvTemplate] {
        guard case .sequence = entry.value else {
            throw reader.error(
                "expected a list of arguments such as [\"/usr/bin/program\", \"--flag\"]; "
                    + "commands are never run through a shell",
                at: entry.value,
                entry.location
            )
        }
        let items = try reader.sequence(entry.value, entry.location)
        guard !items.isEmpty else { throw reader.error("must not be empty", at: entry.value, entry.location) }
        var arguments: [ArgvTemplate] = []
        for (index, item) in items.enumerated() {
            let location = entry.location.item(index)
            let text = try reader.string(item, location, allowEmpty: index > 0)
            guard !text.utf8.contains(0) else {
                throw reader.error("must not contain a NUL character", at: item, location)
            }
            let template: ArgvTemplate
            do {
                template = try ArgvTemplate(parsing: text)
            } catch {
                throw reader.error(error.message, at: item, location)
            }
            if index == 0 {
                guard template.parameters.isEmpty else {
                    throw reader.error(
                        "the program must be fixed: no {params.…} placeholder in command[0]",
                        at: item,
                        location
                    )
                }
                guard text.hasPrefix("/") else {
                    throw reader.error(
                        "the program must be an absolute path (no PATH lookup), e.g. /usr/bin/\(text)",
                        at: item,
                        location
                    )
                }
            }
            arguments.append(template)
        }
        return arguments
    }

    private static func compileEnvironment(
        _ entry: PolicyYAMLReader.Entry,
        reader: PolicyYAMLReader
    ) throws(PolicyLoadError) -> [String: String] {
        guard case .mapping(let mapping) = entry.value else {
            throw reader.error("expected a mapping of variable names to values", at: entry.value, entry.location)
        }
        var environment: [String: String] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode, isVariableName(key.string) else {
                throw reader.error("variable names must match [A-Za-z_][A-Za-z0-9_]*", at: keyNode, entry.location)
            }
            let location = entry.location.key(key.string)
            let text = try reader.string(value, location, allowEmpty: true)
            guard !text.utf8.contains(0) else {
                throw reader.error("must not contain a NUL character", at: value, location)
            }
            guard environment.updateValue(text, forKey: key.string) == nil else {
                throw reader.error("duplicate variable '\(key.string)'", at: keyNode, location)
            }
        }
        return environment
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_"
        }
    }
}
