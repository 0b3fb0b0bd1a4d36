import ArgumentParser

/// `faramesh init-docker`: Dockerfile, docker-compose.yaml (server + PostgreSQL), .env.example.
struct InitDockerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-docker",
        abstract: "Write a Dockerfile, docker-compose.yaml (gatekeeper + PostgreSQL), .dockerignore and .env.example.")

    @Flag(help: "Overwrite existing files.")
    var force = false

    @Option(help: "Directory to write into (the faramesh source tree is the image's build context).")
    var directory = "."

    @Flag(help: "Print JSON.")
    var json = false

    static let files: [(path: String, contents: String)] = [
        ("Dockerfile", ProjectTemplates.dockerfile),
        ("docker-compose.yaml", ProjectTemplates.dockerCompose),
        (".dockerignore", ProjectTemplates.dockerIgnore),
        (".env.example", ProjectTemplates.envExample),
    ]

    func run() async throws {
        let written = try ProjectFiles(files: Self.files).write(into: directory, force: force)
        if json {
            print(ProjectFiles.json(written, directory: directory))
            return
        }
        print(written.isEmpty ? "The Docker files in \(directory) are up to date." : "Created Docker files in \(directory):")
        for path in written { print("  \(path)") }
        print("")
        print("Next steps:")
        print("  1. cp .env.example .env, then set FARAMESH_TOKEN and POSTGRES_PASSWORD")
        print("  2. docker compose up --build")
    }
}
