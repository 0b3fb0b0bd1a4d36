import ArgumentParser
import FarameshAPI
import FarameshClient
import Foundation

/// An action id as typed by the user: a full id, or a prefix of at least 8 hex digits that the
/// server resolves (it answers 409 with the candidates when the prefix is ambiguous).
enum ActionReference {
    static func validate(_ text: String) throws {
        if UUID(uuidString: text) != nil { return }
        let digits = text.filter { $0 != "-" }
        guard digits.count >= 8, digits.count <= 32, digits.allSatisfy(\.isHexDigit) else {
            throw ValidationError("'\(text)' is not an action id or a prefix of at least 8 hex characters")
        }
    }

    /// Fetches the action; an ambiguous prefix becomes an error listing the matches.
    static func resolve(_ text: String, with client: FarameshClient) async throws -> ActionResponse {
        do {
            return try await client.action(text)
        } catch let error as FarameshClientError {
            guard case .server(_, let body) = error, body.code == ErrorCode.ambiguousID.rawValue else {
                if error.errorCode == ErrorCode.actionNotFound.rawValue {
                    throw CLIError("no action matches '\(text)'")
                }
                throw error
            }
            var lines = ["'\(text)' matches several actions; use more characters:"]
            for id in body.matches ?? [] {
                if let match = try? await client.action(id) {
                    lines.append(
                        "  \(id)  \(match.status.rawValue)  \(match.tool)/\(match.operation)  \(ActionFormat.time(match.createdAt))"
                    )
                } else {
                    lines.append("  \(id)")
                }
            }
            throw CLIError(lines.joined(separator: "\n"))
        }
    }
}
