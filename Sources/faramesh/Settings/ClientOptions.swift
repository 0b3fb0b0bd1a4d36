import ArgumentParser

/// Options of every command that talks to a running server. They may also be given before the
/// command name (`faramesh --json --port 9000 list`); see `hoistGlobalOptions`.
struct ClientOptions: ParsableArguments {
    @Option(help: "Server host (env FARAMESH_HOST or FARA_API_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Server port (env FARAMESH_PORT or FARA_API_PORT, default 8000).")
    var port: Int?

    @Option(help: "Bearer token (env FARAMESH_TOKEN or FARA_AUTH_TOKEN).")
    var token: String?

    @Option(help: "Request timeout, e.g. 10s, 500ms (env FARAMESH_TIMEOUT, default 10s).")
    var timeout: String?

    @Flag(help: "Print JSON (for scripts).")
    var json = false

    /// Options that take a value, and flags, that may appear before the command name.
    static let valueOptions: Set<String> = ["--host", "--port", "--token", "--timeout"]
    static let flagOptions: Set<String> = ["--json"]

    /// Moves global options written before the command name to the end of the arguments (before
    /// a `--` terminator), where the command's own option group parses them.
    /// `["--json", "--port", "9", "get", "abc"]` → `["get", "abc", "--json", "--port", "9"]`.
    static func hoistGlobalOptions(_ arguments: [String]) -> [String] {
        var hoisted: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            if flagOptions.contains(argument) {
                hoisted.append(argument)
                index += 1
            } else if valueOptions.contains(name) {
                if argument.contains("=") {
                    hoisted.append(argument)
                    index += 1
                } else {
                    guard index + 1 < arguments.count else { return arguments }
                    hoisted.append(contentsOf: arguments[index...(index + 1)])
                    index += 2
                }
            } else {
                break
            }
        }
        guard !hoisted.isEmpty, index < arguments.count, !arguments[index].hasPrefix("-") else { return arguments }
        var rest = Array(arguments[index...])
        let insertAt = rest.firstIndex(of: "--") ?? rest.endIndex
        rest.insert(contentsOf: hoisted, at: insertAt)
        return rest
    }
}
