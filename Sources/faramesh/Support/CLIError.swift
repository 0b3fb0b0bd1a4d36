/// A failure the CLI reports in one line and exits 1 for (usage errors use `ValidationError`, exit 2).
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
