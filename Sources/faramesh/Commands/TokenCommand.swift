import ArgumentParser
import FarameshAPI
import FarameshCore
import FarameshStore
import Foundation

/// `faramesh token create|list|revoke`: API tokens, stored as SHA-256 hashes in the database.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage API tokens (roles: agent, approver, admin).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it once.")

        /// Identities the server uses itself; a token with such a name would blur the audit log.
        static let reservedNames: Set<String> = ["local", "bootstrap-admin", "system"]

        @Option(help: "Unique name; recorded as the actor of everything done with the token.")
        var name: String

        @Option(help: "agent, approver or admin.")
        var role: String

        @Option(
            name: .customLong("agent-id"),
            help: ArgumentHelp(
                "An agent_id the token may act as (repeatable; '*' globs, e.g. 'team-a-*'). Default: exactly its own name. Admin tokens act as any agent id.",
                valueName: "ID"
            )
        )
        var agentIDs: [String] = []

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        func validate() throws {
            guard TokenRole(rawValue: role) != nil else {
                throw ValidationError("--role must be agent, approver or admin")
            }
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.count <= 128, !trimmed.unicodeScalars.contains(where: WireText.isControl)
            else {
                throw ValidationError("--name must be 1-128 printable characters")
            }
            guard !WireText.containsFormatCharacter(trimmed) else {
                throw ValidationError(
                    "--name must not contain invisible format characters (bidi controls, zero-width characters)"
                )
            }
            for entry in agentIDs {
                do {
                    let value = try WireText.name(entry, field: "--agent-id")
                    guard value == entry else {
                        throw ValidationError("--agent-id '\(entry)' has surrounding whitespace")
                    }
                } catch let error as WireValidationError {
                    throw ValidationError("--agent-id \(error.description)")
                }
            }
            guard !Self.reservedNames.contains(trimmed.lowercased()) else {
                throw ValidationError("--name '\(trimmed)' is reserved for a built-in identity")
            }
        }

        func run() async throws {
            let source = try SettingsSource.current()
            let settings = try DatabaseSettings.resolve(database, source)
            let logger = try CommandLogging.logger("faramesh.token", level: "warning")
            let secret = TokenSecret.generate()
            let token = APIToken(
                id: UUID(),
                name: name.trimmingCharacters(in: .whitespaces),
                role: TokenRole(rawValue: role) ?? .agent,
                tokenHash: SHA256Hex.hash(secret),
                createdAt: WireTimestamp.now(),
                agentIDs: agentIDs.isEmpty ? nil : agentIDs
            )
            do {
                try await StoreFactory.withStore(settings, logger: logger) { store in
                    try await store.migrate()
                    try await store.createToken(token)
                }
            } catch StoreError.duplicateToken(let name) {
                throw ValidationError("a token named '\(name)' already exists (names are unique ignoring case)")
            }
            if json {
                print(
                    CanonicalJSON.string(
                        .object([
                            "id": .string(token.id.uuidString.lowercased()), "name": .string(token.name),
                            "role": .string(token.role.rawValue), "token": .string(secret),
                            "created_at": .string(WireTimestamp.format(token.createdAt)),
                            "agent_ids": List.agentIDsJSON(token),
                        ])
                    )
                )
            } else {
                print(
                    "Created \(token.role.rawValue) token '\(token.name)' (id \(token.id.uuidString.lowercased())), "
                        + "acting as \(token.role == .admin ? "any agent id" : "agent_id " + token.agentScope.description)."
                )
                print("Token (shown once, store it now):")
                print(secret)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")

        @Flag(help: "Print JSON.")
        var json = false

        @OptionGroup var database: DatabaseOptions

        /// The agent ids a token acts as: `["*"]` for admins, else its entries (default: its name).
        static func agentIDsJSON(_ token: APIToken) -> JSONValue {
            .array((token.role == .admin ? ["*"] : token.agentScope.entries).map(JSONValue.string))
        }

        func run() async throws {
            let source = try SettingsSource.current()
            let settings = try DatabaseSettings.resolve(database, source)
            let logger = try CommandLogging.logger("faramesh.token", level: "warning")
            let tokens = try await StoreFactory.withStore(settings, logger: logger) { store in try await store.tokens()
            }
            if json {
                let rows: [JSONValue] = tokens.map { t in
                    .object([
                        "id": .string(t.id.uuidString.lowercased()), "name": .string(t.name),
                        "role": .string(t.role.rawValue),
                        "created_at": .string(WireTimestamp.format(t.createdAt)),
                        "revoked_at": t.revokedAt.map { .string(WireTimestamp.format($0)) } ?? .null,
                        "agent_ids": Self.agentIDsJSON(t),
                    ])
                }
                print(CanonicalJSON.string(.array(rows)))
                return
            }
            let table = TextTable(header: ["ID", "NAME", "ROLE", "AGENT IDS", "CREATED", "REVOKED"])
            var t = table
            for token in tokens {
                t.add([
                    token.id.uuidString.lowercased(), token.name, token.role.rawValue,
                    token.role == .admin ? "*" : token.agentScope.description,
                    WireTimestamp.format(token.createdAt), token.revokedAt.map(WireTimestamp.format) ?? "-",
                ])
            }
            print(t.render(), terminator: "")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a token by id or name (takes effect within seconds on every replica)."
        )

        @Argument(help: "Token id or name.")
        var token: String

        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let source = try SettingsSource.current()
            let settings = try DatabaseSettings.resolve(database, source)
            let logger = try CommandLogging.logger("faramesh.token", level: "warning")
            let target = token
            let revoked = try await StoreFactory.withStore(settings, logger: logger) { store in
                try await store.revokeToken(idOrName: target, at: WireTimestamp.now())
            }
            guard revoked else { throw ValidationError("no active token with id or name '\(target)'") }
            print("revoked \(target)")
        }
    }
}

/// Random bearer secrets: "fmt_" + 32 random bytes as URL-safe base64 (256 bits).
enum TokenSecret {
    static func generate() -> String { "fmt_" + RandomToken.urlSafe(bytes: 32) }
}
