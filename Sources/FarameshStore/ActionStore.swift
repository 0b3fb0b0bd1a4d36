import FarameshCore
import Foundation

/// The system of record for actions, their event chains and API tokens.
///
/// Every state change is one transaction: lock the action row, let `ActionStateMachine.step`
/// decide what changes, append the events it returns, write the row it returns, and ring the
/// live-update doorbell with the event seq. The stores hold no lifecycle rules of their own.
/// Implementations: `PostgresActionStore` (system of record), `SQLiteActionStore` (embedded).
package protocol ActionStore: LedgerStore {
    /// Applies pending migrations (idempotent; safe with several replicas starting at once).
    func migrate() async throws
    /// True when the schema is at the version this build expects.
    func migrationsCurrent() async throws -> Bool
    /// Cheap round trip for readiness.
    func ping() async throws
    /// Calls in flight against the connection limit (no I/O).
    var databaseUsage: DatabaseUsage { get }

    /// Inserts a new action with its first events (already chained by `EventChain`).
    /// With an idempotency key: the same key and request hash within `idempotencyScope` (the
    /// caller's identity) returns the stored action (`created == false`); the same key with
    /// another request hash throws `.idempotencyConflict`. The same key in another scope is a
    /// different key.
    func submit(
        _ action: Action,
        events: [ActionEvent],
        idempotencyKey: String?,
        idempotencyScope: String
    ) async throws -> SubmitResult

    /// Applies one transition under a row lock. Throws `.notFound`, or `.illegalTransition`
    /// with the current action when the state machine forbids it. Approving or denying a
    /// `pending_approval` action whose `approvalExpiresAt` has passed first commits the expiry
    /// (event `expired`, actor "system") and then throws `.illegalTransition` with status expired.
    func transition(_ id: UUID, _ change: TransitionRequest) async throws -> Action

    /// Expires up to `limit` pending approvals whose deadline is at or before `now`
    /// (skipping rows locked by others). Returns the expired actions.
    func expireDue(now: Date, limit: Int) async throws -> [Action]

    /// Deletes idempotency keys created before `olderThan`; returns how many. Keys must be kept at
    /// least 24 h, so callers pass a cutoff at least that far in the past.
    func purgeIdempotencyKeys(olderThan: Date) async throws -> Int

    func action(id: UUID) async throws -> Action?
    /// Actions whose id (lower-case hex with dashes) starts with `prefix` (≥ 8 hex chars).
    func actions(idPrefix: String, limit: Int) async throws -> [Action]
    /// Newest first (created_at DESC, id DESC), keyset-paged by `cursor`.
    func list(_ query: ActionQuery) async throws -> ActionPage
    func pendingApprovalCount() async throws -> Int

    /// The action's timeline, oldest first.
    func events(actionID: UUID) async throws -> [ActionEvent]
    /// Events with seq > `after`, ascending, at most `limit`.
    func events(after: Int64, limit: Int) async throws -> [ActionEvent]

    func createToken(_ token: APIToken) async throws
    func token(hash: String) async throws -> APIToken?
    func tokens() async throws -> [APIToken]
    /// Revokes by id or name; returns false when nothing matched.
    func revokeToken(idOrName: String, at: Date) async throws -> Bool

    /// Releases connections (SQLite must close before exit).
    func shutdown() async throws
}

extension ActionStore {
    /// A submit whose idempotency key is in the unnamed scope `""` (tools and tests; the server
    /// always passes the caller's identity).
    package func submit(_ action: Action, events: [ActionEvent], idempotencyKey: String?) async throws -> SubmitResult {
        try await self.submit(action, events: events, idempotencyKey: idempotencyKey, idempotencyScope: "")
    }
}

package struct SubmitResult: Sendable {
    package var action: Action
    /// False when an idempotent retry returned the stored action.
    package var created: Bool
    package init(action: Action, created: Bool) {
        self.action = action
        self.created = created
    }
}

package struct ActionQuery: Sendable, Hashable {
    package var agentID: String?
    package var tool: String?
    package var status: ActionStatus?
    package var riskLevel: RiskLevel?
    package var limit: Int
    package var offset: Int
    /// Opaque keyset cursor from a previous page's `nextCursor`.
    package var cursor: ActionCursor?
    /// Only actions whose agent id the caller may act as (agent tokens); nil: all.
    package var agentScope: AgentScope?
    /// Free-text search: a case-insensitive substring (taken literally, no wildcards) of the id,
    /// agent_id, tool, operation or reason. SQLite folds the case of ASCII letters only.
    package var text: String?
    /// Only actions created at or after this time (inclusive).
    package var createdSince: Date?
    /// Only actions created before this time (exclusive).
    package var createdUntil: Date?

    package init(
        agentID: String? = nil,
        tool: String? = nil,
        status: ActionStatus? = nil,
        riskLevel: RiskLevel? = nil,
        limit: Int = 20,
        offset: Int = 0,
        cursor: ActionCursor? = nil,
        agentScope: AgentScope? = nil,
        text: String? = nil,
        createdSince: Date? = nil,
        createdUntil: Date? = nil
    ) {
        self.agentID = agentID
        self.tool = tool
        self.status = status
        self.riskLevel = riskLevel
        self.limit = limit
        self.offset = offset
        self.cursor = cursor
        self.agentScope = agentScope
        self.text = text
        self.createdSince = createdSince
        self.createdUntil = createdUntil
    }
}

/// Position after the last row of a page: (created_at, id) of that row.
package struct ActionCursor: Sendable, Hashable {
    package var createdAt: Date
    package var id: UUID
    package init(createdAt: Date, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// "<microseconds since epoch>_<uuid>", URL-safe.
    package var encoded: String {
        "\(Int64((createdAt.timeIntervalSince1970 * 1_000_000).rounded()))_\(id.uuidString.lowercased())"
    }

    package init?(encoded: String) {
        let parts = encoded.split(separator: "_", maxSplits: 1)
        guard parts.count == 2, let micros = Int64(parts[0]), let id = UUID(uuidString: String(parts[1])) else {
            return nil
        }
        self.createdAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        self.id = id
    }
}

package struct ActionPage: Sendable {
    package var actions: [Action]
    /// Set when more rows may follow.
    package var nextCursor: ActionCursor?
    package init(actions: [Action], nextCursor: ActionCursor?) {
        self.actions = actions
        self.nextCursor = nextCursor
    }
}

package enum TokenRole: String, Sendable, Codable, CaseIterable, Hashable {
    /// Submits actions, reports results; never sees approval tokens.
    case agent
    /// Everything an agent can do plus approve/deny.
    case approver
    /// Everything, including token management.
    case admin
}

package struct APIToken: Sendable, Hashable {
    package var id: UUID
    package var name: String
    package var role: TokenRole
    /// SHA-256 hex of the secret; the secret itself is never stored.
    package var tokenHash: String
    package var createdAt: Date
    package var revokedAt: Date?
    /// The agent ids the token may act as (`token create --agent-id`, `*` globs); nil (the
    /// default, and every token created before this column existed): exactly its own name.
    package var agentIDs: [String]?

    package init(
        id: UUID,
        name: String,
        role: TokenRole,
        tokenHash: String,
        createdAt: Date,
        revokedAt: Date? = nil,
        agentIDs: [String]? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.tokenHash = tokenHash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.agentIDs = agentIDs
    }

    /// Whom the token may act as. Admin tokens are not limited by it (see the server's auth).
    package var agentScope: AgentScope {
        guard let agentIDs, !agentIDs.isEmpty else { return AgentScope(name: self.name) }
        return AgentScope(entries: agentIDs)
    }

    /// The `agent_ids` column: one entry per line (entries never hold control characters); nil
    /// for the default.
    package var storedAgentIDs: String? {
        guard let agentIDs, !agentIDs.isEmpty else { return nil }
        return agentIDs.joined(separator: "\n")
    }

    /// Token names are unique ignoring case (Unicode lower-casing, not only ASCII).
    package static func sameName(_ a: String, _ b: String) -> Bool {
        a.lowercased() == b.lowercased()
    }

    /// Reads the `agent_ids` column.
    package static func agentIDs(stored: String?) -> [String]? {
        guard let stored, !stored.isEmpty else { return nil }
        return stored.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

/// Errors a store reports; every case maps to a safe HTTP answer.
package enum StoreError: Error, Sendable {
    case notFound
    /// The transition is not allowed from the action's current status (HTTP 409).
    case illegalTransition(current: Action)
    /// Same Idempotency-Key, different request (HTTP 422).
    case idempotencyConflict(existingActionID: UUID)
    /// Token name already taken, ignoring case (HTTP 409).
    case duplicateToken(name: String)
    /// The database did not answer in time or is down (HTTP 503).
    case unavailable(String)
}
