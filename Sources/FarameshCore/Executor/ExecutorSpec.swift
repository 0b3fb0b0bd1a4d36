/// One entry of the executors file: how the server runs actions of one tool (and operation).
public struct ExecutorSpec: Sendable, Hashable {
    public static let defaultTimeout: Duration = .seconds(60)
    public static let maximumTimeout: Duration = .seconds(3600)
    public static let defaultMaxOutputBytes = 65_536
    /// Output lands in event meta (stored, hashed, sealed into the ledger): keep it modest.
    public static let maximumMaxOutputBytes = 1_048_576
    public static let defaultEnvironment = ["PATH": "/usr/bin:/bin"]

    /// 0-based position in `executors:`.
    public var index: Int
    /// Shown in the `started` event (`executor` meta); defaults to `tool` or `tool/operation`.
    public var name: String
    public var tool: String
    /// nil: every operation of the tool.
    public var operation: String?
    /// The program: an absolute path, never a placeholder.
    public var executable: String
    /// argv, including argv[0] (the executable as written).
    public var arguments: [ArgvTemplate]
    public var timeout: Duration
    /// Per stream (stdout and stderr each).
    public var maxOutputBytes: Int
    /// nil: a fresh private temporary directory per run, removed afterwards.
    public var workingDirectory: String?
    /// The child's entire environment.
    public var environment: [String: String]

    public init(
        index: Int,
        name: String,
        tool: String,
        operation: String?,
        executable: String,
        arguments: [ArgvTemplate],
        timeout: Duration = Self.defaultTimeout,
        maxOutputBytes: Int = Self.defaultMaxOutputBytes,
        workingDirectory: String? = nil,
        environment: [String: String] = Self.defaultEnvironment
    ) {
        self.index = index
        self.name = name
        self.tool = tool
        self.operation = operation
        self.executable = executable
        self.arguments = arguments
        self.timeout = timeout
        self.maxOutputBytes = maxOutputBytes
        self.workingDirectory = workingDirectory
        self.environment = environment
    }

    public func matches(tool: String, operation: String) -> Bool {
        self.tool == tool && (self.operation == nil || self.operation == operation)
    }

    /// argv for one action, or the first placeholder that cannot be filled from its params.
    public func argv(params: JSONValue) throws(ArgvTemplate.RenderError) -> [String] {
        var argv: [String] = []
        argv.reserveCapacity(arguments.count)
        for argument in arguments { argv.append(try argument.render(params: params)) }
        return argv
    }

    /// `KEY=value` strings, sorted by key, for `execve`.
    public var environmentStrings: [String] {
        environment.keys.sorted().map { "\($0)=\(environment[$0] ?? "")" }
    }
}
