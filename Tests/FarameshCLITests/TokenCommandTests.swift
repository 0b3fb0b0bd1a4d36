import FarameshCore
import Foundation
import Testing

/// `faramesh token create|list` with agent-id grants, case-insensitive names and look-alike
/// characters (issue 10), on both stores.
@Suite struct TokenCommandTests {
    @Test("token create --agent-id, unique names ignoring case, no format characters", arguments: Backend.allCases)
    func grantsAndNames(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            func run(_ arguments: [String]) async throws -> CLIResult {
                try await CLI.run(["token"] + arguments + database.flags, directory: database.directory)
            }
            let created = try await run([
                "create", "--name", "Deploy-Bot", "--role", "agent",
                "--agent-id", "deploy-*", "--agent-id", "release", "--json",
            ])
            #expect(created.status == 0, "\(created)")
            #expect(try created.json().objectValue?["agent_ids"] == .array([.string("release"), .string("deploy-*")]))
            let plain = try await run(["create", "--name", "ci", "--role", "agent", "--json"])
            #expect(try plain.json().objectValue?["agent_ids"] == .array([.string("ci")]))
            let admin = try await run(["create", "--name", "root", "--role", "admin", "--json"])
            #expect(try admin.json().objectValue?["agent_ids"] == .array([.string("*")]))

            for name in ["deploy-bot", "DEPLOY-BOT", "CI"] {
                let duplicate = try await run(["create", "--name", name, "--role", "agent"])
                #expect(duplicate.status != 0, "\(name)")
                #expect(duplicate.stderr.contains("already exists"), "\(duplicate)")
            }
            for name in ["trusted\u{202E}tob", "trusted\u{200B}-bot", "\u{2066}bot\u{2069}"] {
                let lookalike = try await run(["create", "--name", name, "--role", "agent"])
                #expect(lookalike.status != 0)
                #expect(lookalike.stderr.contains("format characters"), "\(lookalike)")
            }
            let badGrant = try await run(["create", "--name", "x", "--role", "agent", "--agent-id", "a\u{200D}b"])
            #expect(badGrant.status != 0)

            let list = try await run(["list"])
            #expect(list.status == 0)
            #expect(list.stdout.contains("AGENT IDS"))
            #expect(list.stdout.contains("release, deploy-*"))
            let json = try await run(["list", "--json"])
            guard case .array(let rows) = try json.json() else { throw HarnessFailure("token list --json: \(json)") }
            #expect(rows.count == 3)
        }
    }
}
