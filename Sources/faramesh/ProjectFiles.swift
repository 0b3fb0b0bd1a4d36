import ArgumentParser
import FarameshCore
import Foundation

/// Writes a set of scaffold files: all or nothing, and never over existing files unless forced.
struct ProjectFiles {
    /// Relative path → contents.
    var files: [(path: String, contents: String)]

    /// - Throws: `CLIError` naming the files that exist with other contents (without `force`),
    ///   or the first write failure.
    /// - Returns: the paths written (files that already hold exactly these contents are left alone).
    func write(into directory: String, force: Bool) throws -> [String] {
        let manager = FileManager.default
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        var pending: [(path: String, url: URL, data: Data)] = []
        var conflicts: [String] = []
        for file in files {
            let url = root.appendingPathComponent(file.path)
            let data = Data((file.contents + "\n").utf8)
            if let existing = manager.contents(atPath: url.path) {
                if existing == data { continue }
                conflicts.append(file.path)
            } else if manager.fileExists(atPath: url.path) {
                conflicts.append(file.path)
            }
            pending.append((file.path, url, data))
        }
        if !conflicts.isEmpty && !force {
            throw CLIError("refusing to overwrite \(conflicts.joined(separator: ", ")) (use --force)")
        }
        for file in pending {
            do {
                try manager.createDirectory(at: file.url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try file.data.write(to: file.url, options: .atomic)
            } catch {
                throw CLIError("cannot write \(file.url.path): \(error.localizedDescription)")
            }
        }
        return pending.map(\.path)
    }
}

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

extension ProjectFiles {
    static func json(_ written: [String], directory: String) -> String {
        CanonicalJSON.string(.object(["directory": .string(directory), "written": .array(written.map(JSONValue.string))]))
    }
}
