import Foundation

/// Idempotency keys that bind a retried `tools/call` to the action its first attempt created.
///
/// The key of a call is derived from its request hash (`mcp-<hash>`), so the gatekeeper returns
/// the same action for a retry with identical arguments (and context), also after a restart of
/// the proxy. Once that action is used up (ran, denied, expired), the next identical call needs a
/// new action: its key is `mcp-<hash>-<id of the used action>`, remembered here, and found again
/// after a restart by walking that chain (`GatekeeperSession` stops after `maxChainSteps`).
/// Two identical calls in flight at once get distinct keys, so they never share one action.
package actor ResumeKeys {
    package static let maxEntries = 10_000

    private var next: [String: String] = [:]
    private var inFlight: [String: Int] = [:]

    package init() {}

    package static func root(_ hash: String) -> String { "mcp-" + hash }

    package static func successor(_ hash: String, after actionID: String) -> String { "mcp-" + hash + "-" + actionID }

    /// A key nobody has used: for a call identical to one in flight, or after a long chain.
    package static func unique(_ hash: String) -> String { "mcp-" + hash + "-u" + UUID().uuidString.lowercased() }

    /// The key for a new call with this hash; marks it in flight until `release`.
    package func claim(_ hash: String) -> String {
        let running = self.inFlight[hash, default: 0]
        self.inFlight[hash] = running + 1
        if running > 0 { return Self.unique(hash) }
        return self.next[hash] ?? Self.root(hash)
    }

    /// Ends a call. `nextKey` is the key the next identical call must use (the same key while its
    /// action is still pending, a successor once it is used up).
    package func release(_ hash: String, nextKey: String) {
        let running = self.inFlight[hash, default: 1] - 1
        if running <= 0 { self.inFlight[hash] = nil } else { self.inFlight[hash] = running }
        if self.next.count >= Self.maxEntries, self.next[hash] == nil {
            self.next = self.next.filter { self.inFlight[$0.key] != nil }
        }
        self.next[hash] = nextKey
    }
}
