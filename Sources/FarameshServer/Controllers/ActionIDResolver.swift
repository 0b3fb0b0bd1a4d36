import FarameshAPI
import FarameshCore
import FarameshStore
import Foundation
import HTTPTypes

/// Resolves the `{id}` path segment: a full UUID, or a prefix of at least 8 hex digits
/// (dashes optional) that must match exactly one action.
struct ActionIDResolver: Sendable {
    static let minimumPrefixDigits = 8
    static let maximumMatchesShown = 10
    /// Prefix candidates read for a scoped caller (8 hex digits rarely match more than a few).
    static let scopedCandidates = 1_000

    let store: any ActionStore
    /// Only actions of these agent ids exist for the caller (agent tokens); nil: all.
    var scope: AgentScope? = nil

    private func visible(_ action: Action) -> Bool {
        self.scope?.allows(action.request.agentID) ?? true
    }

    /// The full id when `raw` is a UUID, without touching the store.
    static func fullID(_ raw: String) -> UUID? {
        UUID(uuidString: raw)
    }

    /// A prefix in canonical lower-case form with dashes (`"0a1b2c3d-4e"`), or nil when `raw`
    /// is not 8–32 hex digits (optionally with dashes).
    static func canonicalPrefix(_ raw: String) -> String? {
        guard raw.utf8.count <= 40 else { return nil }
        var digits: [UInt8] = []
        for byte in raw.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): digits.append(byte)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digits.append(byte + 32)
            case UInt8(ascii: "-"): continue
            default: return nil
            }
        }
        guard digits.count >= self.minimumPrefixDigits, digits.count <= 32 else { return nil }
        var out: [UInt8] = []
        for (i, digit) in digits.enumerated() {
            if i == 8 || i == 12 || i == 16 || i == 20 { out.append(UInt8(ascii: "-")) }
            out.append(digit)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// How the reference is shown in a 404: hex prefixes as in the original (`0a1b2c3d...`),
    /// anything else not at all.
    static func displayReference(_ raw: String) -> String {
        guard let prefix = self.canonicalPrefix(raw) else { return "(invalid id)" }
        return prefix.count > 8 ? String(prefix.prefix(8)) + "..." : prefix
    }

    /// The action `raw` refers to.
    /// - Throws: `APIError` 404 (none), 409 (ambiguous prefix), or a store error.
    func action(_ raw: String) async throws -> Action {
        if let id = Self.fullID(raw) {
            guard let action = try await self.store.action(id: id), self.visible(action) else {
                throw APIError.actionNotFound(Self.displayReference(raw))
            }
            return action
        }
        guard let prefix = Self.canonicalPrefix(raw) else { throw APIError.actionNotFound(Self.displayReference(raw)) }
        var matches: [Action]
        if self.scope == nil {
            matches = try await self.store.actions(idPrefix: prefix, limit: Self.maximumMatchesShown)
        } else {
            // Others' actions must not make a prefix ambiguous (that would reveal they exist):
            // look at more candidates and keep the visible ones.
            matches = try await self.store.actions(idPrefix: prefix, limit: Self.scopedCandidates).filter(self.visible)
            matches = Array(matches.prefix(Self.maximumMatchesShown))
        }
        switch matches.count {
        case 0:
            throw APIError.actionNotFound(Self.displayReference(raw))
        case 1:
            return matches[0]
        default:
            let ids = matches.map { $0.id.uuidString.lowercased() }
            throw APIError(
                .conflict,
                .ambiguousID,
                "Id prefix '\(prefix)' matches \(matches.count == Self.maximumMatchesShown ? "\(matches.count) or more" : "\(matches.count)") actions; use more characters",
                matches: ids
            )
        }
    }

    /// The id `raw` refers to: full UUIDs are returned as is (the store reports unknown ids)
    /// unless a scope must be checked.
    func id(_ raw: String) async throws -> UUID {
        if self.scope == nil, let id = Self.fullID(raw) { return id }
        return try await self.action(raw).id
    }
}
