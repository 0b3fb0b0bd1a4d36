import ArgumentParser
import FarameshCore
import FarameshPolicyTools
import Foundation
import Testing

/// Every shipped policy (policies/*.yaml, policies/packs/*.yaml) has a tests file beside it
/// (`X.tests.yaml`) and passes it, exactly as `faramesh policy test` runs it.
@Suite("Shipped policies, packs and profiles")
struct PolicyPackTests {
    /// The repository root: the first ancestor of this file that has policies/default.yaml.
    static let root: URL? = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("policies/default.yaml").path) {
                return url
            }
            url = url.deletingLastPathComponent()
        }
        return nil
    }()

    static func policyFiles() throws -> [URL] {
        let root = try #require(root)
        var files: [URL] = []
        for directory in ["policies", "policies/packs"] {
            let folder = root.appendingPathComponent(directory)
            let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            for name in names.sorted() where name.hasSuffix(".yaml") && !name.hasSuffix(".tests.yaml") {
                files.append(folder.appendingPathComponent(name))
            }
        }
        return files
    }

    @Test("policies/default.yaml and at least five packs exist, each with a tests file")
    func inventory() throws {
        let files = try Self.policyFiles()
        #expect(files.contains { $0.path.hasSuffix("policies/default.yaml") })
        #expect(files.filter { $0.path.contains("/packs/") }.count >= 5)
        for file in files {
            let tests = file.deletingPathExtension().appendingPathExtension("tests.yaml")
            #expect(FileManager.default.fileExists(atPath: tests.path), "\(file.lastPathComponent) has no tests file")
        }
    }

    @Test("every shipped policy compiles without warnings and passes its tests")
    func packsPass() throws {
        for file in try Self.policyFiles() {
            let tests = file.deletingPathExtension().appendingPathExtension("tests.yaml")
            let policy = try CompiledPolicy.compile(
                yaml: String(contentsOf: file, encoding: .utf8),
                source: file.lastPathComponent
            )
            #expect(policy.warnings.isEmpty, "\(file.lastPathComponent): \(policy.warnings)")
            let report = try PolicyFiles.runTests(policy: file.path, tests: tests.path)
            #expect(report.results.count >= 8, "\(tests.lastPathComponent) has too few cases")
            for result in report.results where !result.passed {
                Issue.record(
                    "\(tests.lastPathComponent): \(result.testCase.name): \(result.failures.joined(separator: "; "))"
                )
            }
            #expect(report.allPassed)
        }
    }

    @Test("every shipped profile compiles")
    func profiles() throws {
        let folder = try #require(Self.root).appendingPathComponent("profiles")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(!names.isEmpty)
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(throws: Never.self) { try CompiledProfile.compile(yaml: text, source: name) }
        }
    }

    @Test("the default policy passes its tests under the default profile too")
    func defaultWithProfile() throws {
        let root = try #require(Self.root)
        let report = try PolicyFiles.runTests(
            policy: root.appendingPathComponent("policies/default.yaml").path,
            tests: root.appendingPathComponent("policies/default.tests.yaml").path,
            profile: root.appendingPathComponent("profiles/default.yaml").path
        )
        #expect(report.allPassed)
    }
}

/// The commands parse their arguments and exit with 0 (ok), 1 (failure) or 2 (usage).
@Suite("Policy commands")
struct PolicyCommandTests {
    /// Runs `faramesh policy ARGS…` (or `policy-diff` when `root` is PolicyDiffCommand) and returns the exit code.
    static func exitCode(_ arguments: [String], diff: Bool = false) async -> Int32 {
        do {
            var command = diff ? try PolicyDiffCommand.parseAsRoot(arguments) : try PolicyCommand.parseAsRoot(arguments)
            guard var runnable = command as? any AsyncParsableCommand else {
                try command.run()
                return 0
            }
            try await runnable.run()
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            let code = PolicyCommand.exitCode(for: error)
            return code == .validationFailure ? PolicyFiles.usage : code.rawValue
        }
    }

    static func path(_ relative: String) throws -> String {
        try #require(PolicyPackTests.root).appendingPathComponent(relative).path
    }

    static func temporaryFile(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("policy-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    @Test("validate: 0 for a valid policy, 1 for an invalid one, 2 for a missing file or no arguments")
    func validate() async throws {
        #expect(await Self.exitCode(["validate", try Self.path("policies/default.yaml")]) == 0)
        #expect(await Self.exitCode(["validate", "--json", try Self.path("policies/packs/payments.yaml")]) == 0)
        let invalid = try Self.temporaryFile("rules:\n  - match: {tool: x, amont: 1}\n    allow: true\n")
        #expect(await Self.exitCode(["validate", invalid]) == 1)
        #expect(await Self.exitCode(["validate", "/nonexistent/policy.yaml"]) == 2)
        #expect(await Self.exitCode(["validate"]) == 2)
        #expect(await Self.exitCode(["validate", "--profile", try Self.path("profiles/default.yaml")]) == 0)
    }

    @Test("test: 0 when all cases pass, 1 when one fails")
    func test() async throws {
        #expect(
            await Self.exitCode([
                "test", try Self.path("policies/default.yaml"), try Self.path("policies/default.tests.yaml"),
            ]) == 0
        )
        let failing = try Self.temporaryFile(
            """
            cases:
              - name: wrong on purpose
                action: {tool: http, op: get}
                expect: {decision: deny}
            """
        )
        #expect(await Self.exitCode(["test", try Self.path("policies/default.yaml"), failing, "--json"]) == 1)
        #expect(await Self.exitCode(["test", try Self.path("policies/default.yaml")]) == 2)
    }

    @Test("explain: 0 with a decision, 2 for params that are not a JSON object")
    func explain() async throws {
        let policy = try Self.path("policies/default.yaml")
        #expect(
            await Self.exitCode([
                "explain", policy, "--tool", "http", "--op", "get", "--params", #"{"url":"https://x"}"#,
            ]) == 0
        )
        #expect(
            await Self.exitCode([
                "explain", policy, "--tool", "shell", "--operation", "run", "--json",
                "--profile", try Self.path("profiles/default.yaml"),
            ]) == 0
        )
        #expect(await Self.exitCode(["explain", policy, "--tool", "http", "--op", "get", "--params", "[1]"]) == 2)
        #expect(await Self.exitCode(["explain", policy, "--tool", "http", "--op", "get", "--context", "{bad"]) == 2)
        #expect(await Self.exitCode(["explain", policy, "--tool", "http"]) == 2)
    }

    @Test("diff: policy-diff and policy diff, with samples and --exit-code")
    func diff() async throws {
        let old = try Self.path("policies/default.yaml")
        let new = try Self.temporaryFile("rules:\n  - match: {tool: http}\n    allow: true\n")
        let samples = try Self.path("policies/default.tests.yaml")
        #expect(await Self.exitCode([old, new, "--samples", samples], diff: true) == 0)
        #expect(await Self.exitCode(["diff", old, new, "--json"]) == 0)
        #expect(await Self.exitCode([old, new, "--exit-code"], diff: true) == 1)
        #expect(await Self.exitCode([old, old, "--exit-code"], diff: true) == 0)
        #expect(await Self.exitCode([old, "/nonexistent.yaml"], diff: true) == 2)
        #expect(await Self.exitCode([old, new, "--samples", try Self.temporaryFile("- {tool: x}")], diff: true) == 1)
    }
}
