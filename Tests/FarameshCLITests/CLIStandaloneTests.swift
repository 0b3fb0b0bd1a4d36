import ArgumentParser
import FarameshClient
import FarameshCore
import FarameshServer
import Foundation
import Testing
import Yams

@testable import faramesh

/// The real binary where no gatekeeper is needed: errors, scaffolding, completion, tail.
@Suite("faramesh CLI without a gatekeeper")
struct CLIStandaloneTests {
    @Test("a server that is down gives a one-line error and exit 1 within 3 s")
    func serverDown() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try FreePort.pick()
        for command in [
            ["list"], ["get", "abcdef01"], ["approve", "abcdef01"], ["tail"], ["--json", "explain", "abcdef01"],
        ] {
            let result = try await CLI.run(command + ["--port", String(port)], directory: directory)
            #expect(result.status == 1, "\(command): \(result)")
            // The CLI gives up after its 2 s connect timeout at most (refused: at once). The bound has
            // slack for process start-up on a loaded CI machine; a hang would take far longer.
            #expect(result.duration < .seconds(10), "\(command): \(result)")
            #expect(result.stdout.isEmpty || command == ["tail"])
            #expect(
                result.stderr.contains("Error: cannot reach faramesh at http://127.0.0.1:\(port) (connection refused)"),
                "\(result)"
            )
            #expect(result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error:") }.count == 1)
        }
        let viaEnvironment = try await CLI.run(
            ["list"],
            environment: ["FARAMESH_BASE_URL": "http://127.0.0.1:\(port)"],
            directory: directory
        )
        #expect(viaEnvironment.status == 1)
        #expect(viaEnvironment.stderr.contains("http://127.0.0.1:\(port)"))
    }

    @Test("usage errors exit 2")
    func usageErrors() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for arguments in [
            ["list", "--limit", "0"], ["list", "--status", "nope"], ["get"], ["get", "xyz"], ["no-such-command"],
            ["deny", "abcdef01", "--reason", String(repeating: "x", count: 2001)],
            ["replay-decision", "abcdef01", "--profile", "p.yaml"], ["--port"],
        ] {
            let result = try await CLI.run(arguments, directory: directory)
            #expect(result.status == 2, "\(arguments): \(result)")
        }
        let help = try await CLI.run(["--help"], directory: directory)
        #expect(help.status == 0)
        for command in [
            "list", "get", "explain", "events", "approve, allow", "deny", "replay", "replay-decision", "curl", "tail",
            "logs", "init", "init-docker", "doctor", "build-ui", "verify-log", "token", "policy", "serve", "migrate",
        ] {
            #expect(help.stdout.contains("  \(command) "), "\(command) missing from --help")
        }
    }

    @Test("init and init-docker scaffold files and refuse to overwrite without --force")
    func scaffolding() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try await CLI.run(["init", "--json"], directory: directory)
        #expect(first.status == 0, "\(first)")
        #expect(try first.json()["written"] == .array([.string("policies/default.yaml"), .string(".env.example")]))
        let written = try String(contentsOf: directory.appendingPathComponent("policies/default.yaml"), encoding: .utf8)
        #expect(written == (try String(contentsOfFile: CLI.defaultPolicy, encoding: .utf8)))
        let validate = try await CLI.run(["policy", "validate", "policies/default.yaml"], directory: directory)
        #expect(validate.status == 0, "\(validate)")

        // Identical files are left alone; changed files are protected unless --force.
        #expect(try await CLI.run(["init"], directory: directory).status == 0)
        try Data("rules: []\n".utf8).write(to: directory.appendingPathComponent("policies/default.yaml"))
        let refused = try await CLI.run(["init"], directory: directory)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("refusing to overwrite policies/default.yaml (use --force)"))
        #expect(
            try String(contentsOf: directory.appendingPathComponent("policies/default.yaml"), encoding: .utf8)
                == "rules: []\n"
        )
        #expect(try await CLI.run(["init", "--force"], directory: directory).status == 0)
        #expect(
            try String(contentsOf: directory.appendingPathComponent("policies/default.yaml"), encoding: .utf8)
                == written
        )

        let docker = try await CLI.run(["init-docker"], directory: directory)
        #expect(docker.status == 0, "\(docker)")
        for file in ["Dockerfile", "docker-compose.yaml", ".dockerignore", ".env.example"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(file).path), "\(file)")
        }
        try Data("FROM scratch\n".utf8).write(to: directory.appendingPathComponent("Dockerfile"))
        let dockerRefused = try await CLI.run(["init-docker"], directory: directory)
        #expect(dockerRefused.status == 1)
        #expect(dockerRefused.stderr.contains("Dockerfile"))
        #expect(try await CLI.run(["init-docker", "--force"], directory: directory).status == 0)
    }

    @Test("templates: the embedded policy is the repository's, .env.example parses, compose has server + postgres")
    func templates() throws {
        let repository = try String(contentsOfFile: CLI.defaultPolicy, encoding: .utf8)
        #expect(
            ProjectTemplates.defaultPolicy + "\n" == repository,
            "update ProjectTemplates.defaultPolicy from policies/default.yaml"
        )
        _ = try CompiledPolicy.compile(yaml: ProjectTemplates.defaultPolicy, source: "template")

        let env = try DotEnv(parsing: ProjectTemplates.envExample)
        #expect(env.values["FARAMESH_PORT"] == "8000")
        #expect(env.values["FARA_POLICY_FILE"] == "policies/default.yaml")
        #expect(env.values["FARAMESH_DEMO"] == "0")
        // The example itself must be a valid configuration for `serve` and the CLI.
        let source = SettingsSource(environment: [:], dotEnv: env)
        #expect(try ServeSettings.resolve(try ServeOptions.parse([]), source).port == 8000)
        #expect(try ClientSettings.resolve(try ClientOptions.parse([]), source).baseURL.text == "http://127.0.0.1:8000")

        let compose = try #require(try Yams.load(yaml: ProjectTemplates.dockerCompose) as? [String: Any])
        let services = try #require(compose["services"] as? [String: Any])
        #expect(Set(services.keys) == ["faramesh", "postgres"])
        let server = try #require(services["faramesh"] as? [String: Any])
        let environment = try #require(server["environment"] as? [String: Any])
        #expect(environment["FARA_DB_BACKEND"] as? String == "postgres")
        #expect((environment["FARA_POSTGRES_DSN"] as? String)?.hasPrefix("postgres://faramesh:") == true)
        #expect(ProjectTemplates.dockerfile.contains("ENTRYPOINT [\"faramesh\"]"))
        #expect(
            ProjectTemplates.dockerfile.contains("*.resources"),
            "migrations are resource bundles next to the binary"
        )
    }

    @Test(
        "init-docker writes the repository's Dockerfile byte for byte (regenerate: scripts/gen-dockerfile-template.sh)"
    )
    func dockerfileIsTheRepositoryOne() async throws {
        let repository = try String(
            contentsOf: CLI.repositoryRoot.appendingPathComponent("Dockerfile"),
            encoding: .utf8
        )
        #expect(
            ProjectTemplates.dockerfile + "\n" == repository,
            "stale DockerfileTemplate.swift: run scripts/gen-dockerfile-template.sh"
        )
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try await CLI.run(["init-docker"], directory: directory).status == 0)
        let written = try String(contentsOf: directory.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(written == repository)
    }

    @Test("--generate-completion-script works for bash, zsh and fish")
    func completionScripts() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for shell in ["bash", "zsh", "fish"] {
            let result = try await CLI.run(["--generate-completion-script", shell], directory: directory)
            #expect(result.status == 0, "\(shell): \(result)")
            #expect(result.stdout.contains("replay-decision") && result.stdout.contains("init-docker"), "\(shell)")
        }
        let script = directory.appendingPathComponent("faramesh.bash")
        try Data(try await CLI.run(["--generate-completion-script", "bash"], directory: directory).stdout.utf8).write(
            to: script
        )
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/bin/bash")
        check.arguments = ["-n", script.path]
        try check.run()
        check.waitUntilExit()
        #expect(check.terminationStatus == 0, "bash -n rejects the completion script")
    }

    @Test("tail prints live events, reconnects and resumes with Last-Event-ID")
    func tail() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let created =
            #"{"type":"action.created","data":{"id":"2755d4a8-1000-47e6-873c-b9fd535234ad","status":"pending_approval","tool":"shell","operation":"run"},"timestamp":"2026-01-12T10:00:15.000000Z"}"#
        let updated =
            #"{"seq":8,"action_id":"a1b2c3d4-0000-4000-8000-000000000000","event_type":"approved","tool":"http","operation":"get","created_at":"2026-01-12T10:00:20.000000Z"}"#
        let server = ScriptedEventServer([
            .init(frames: [": connected\n\n", "retry: 20\nid: 7\ndata: \(created)\n\n"]),
            .init(frames: ["id: 8\ndata: \(updated)\n\n"], stayOpen: true),
            .init(frames: ["id: 9\ndata: {\"n\":9}\n\n"], stayOpen: true),
        ])
        let (text, json) = try await server.run { port in
            (
                try await CLI.run(["tail", "--port", String(port), "--count", "2"], directory: directory),
                try await CLI.run(
                    ["tail", "--port", String(port), "--count", "1", "--json", "--last-event-id", "8"],
                    directory: directory
                )
            )
        }
        #expect(text.status == 0, "\(text)")
        #expect(
            text.stdout.split(separator: "\n") == [
                "[10:00:15] pending_approval  2755d4a8 | shell | run",
                "[10:00:20] approved          a1b2c3d4 | http | get",
            ]
        )
        #expect(text.stderr.contains("connection lost (the server closed the stream); reconnecting in 20ms"), "\(text)")
        #expect(text.stderr.contains("connected, resuming after event 7"))
        #expect(json.status == 0, "\(json)")
        #expect(
            try json.json()
                == .object(["id": .string("9"), "event": .string("message"), "data": .object(["n": .int(9)])])
        )
        #expect(server.lastEventIDs == [nil, "7", "8"])
    }

    @Test("demo scenarios reach every status with the default policy")
    func demoPaths() {
        #expect(DemoSeeder.path(from: .allowed, to: .succeeded) == [.start, .succeed])
        #expect(DemoSeeder.path(from: .pendingApproval, to: .timeout) == [.approve, .start, .timeOut])
        #expect(DemoSeeder.path(from: .pendingApproval, to: .expired) == [.expire])
        #expect(DemoSeeder.path(from: .pendingApproval, to: .allowed) == [])
        #expect(DemoSeeder.path(from: .denied, to: .succeeded) == [])
        #expect(DemoSeeder.path(from: .allowed, to: .approved) == [])
        let targets = Set(DemoSeeder.scenarios.map(\.target))
        #expect(targets == Set(ActionStatus.allCases).subtracting([.pendingDecision]))
    }
}
