import ArgumentParser

/// `faramesh init`: a starter policy and an `.env.example`.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Scaffold policies/default.yaml and .env.example."
    )

    @OptionGroup var options: ScaffoldOptions

    static let files: [(path: String, contents: String)] = [
        ("policies/default.yaml", ProjectTemplates.defaultPolicy),
        (".env.example", ProjectTemplates.envExample),
    ]

    func run() async throws {
        try ProjectFiles(files: Self.files).scaffold(
            options,
            kind: "starter",
            nextSteps: [
                "Review policies/default.yaml (faramesh policy validate policies/default.yaml)",
                "Copy .env.example to .env and adjust it",
                "Run: faramesh serve",
            ]
        )
    }
}
