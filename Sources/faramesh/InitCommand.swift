import ArgumentParser

/// `faramesh init`: a starter policy and an `.env.example`.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Scaffold policies/default.yaml and .env.example.")

    @Flag(help: "Overwrite existing files.")
    var force = false

    @Option(help: "Directory to write into.")
    var directory = "."

    @Flag(help: "Print JSON.")
    var json = false

    static let files: [(path: String, contents: String)] = [
        ("policies/default.yaml", ProjectTemplates.defaultPolicy),
        (".env.example", ProjectTemplates.envExample),
    ]

    func run() async throws {
        let written = try ProjectFiles(files: Self.files).write(into: directory, force: force)
        if json {
            print(ProjectFiles.json(written, directory: directory))
            return
        }
        print(written.isEmpty ? "The starter files in \(directory) are up to date." : "Created starter files in \(directory):")
        for path in written { print("  \(path)") }
        print("")
        print("Next steps:")
        print("  1. Review policies/default.yaml (faramesh policy validate policies/default.yaml)")
        print("  2. Copy .env.example to .env and adjust it")
        print("  3. Run: faramesh serve")
    }
}
