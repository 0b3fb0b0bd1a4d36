import ArgumentParser

/// `faramesh init-docker`: Dockerfile, docker-compose.yaml (server + PostgreSQL), .env.example.
/// The directory is the image's build context: the faramesh source tree.
struct InitDockerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-docker",
        abstract: "Write a Dockerfile, docker-compose.yaml (gatekeeper + PostgreSQL), .dockerignore and .env.example."
    )

    @OptionGroup var options: ScaffoldOptions

    static let files: [(path: String, contents: String)] = [
        ("Dockerfile", ProjectTemplates.dockerfile),
        ("docker-compose.yaml", ProjectTemplates.dockerCompose),
        (".dockerignore", ProjectTemplates.dockerIgnore),
        (".env.example", ProjectTemplates.envExample),
    ]

    func run() async throws {
        try ProjectFiles(files: Self.files).scaffold(
            options,
            kind: "Docker",
            nextSteps: [
                "cp .env.example .env, then set FARAMESH_TOKEN and POSTGRES_PASSWORD",
                "docker compose up --build",
            ]
        )
    }
}
