import FarameshCore
import FarameshStore
import Foundation
import SQLiteNIO

/// Column lists, bind values and row decoders for the store's tables. SQL text lives only in
/// this module.
enum SQLiteRows {
    static let actionColumns = """
        id, agent_id, tool, operation, params_json, context_json, status, decision, outcome, reason, \
        reason_code, risk_level, request_hash, policy_hash, policy_version, profile_id, profile_version, \
        profile_hash, runtime_version, provenance_id, approval_token, approval_expires_at, created_at, \
        updated_at, version, last_event_hash
        """

    static let eventColumns = "seq, id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash"

    static let tokenColumns = "id, name, role, token_hash, created_at, revoked_at, agent_ids"

    // MARK: binds

    /// Canonical lower-case text: sorts like PostgreSQL's uuid.
    static func uuid(_ id: UUID) -> SQLiteData { .text(id.uuidString.lowercased()) }
    static func text(_ value: String) -> SQLiteData { .text(value) }
    static func text(_ value: String?) -> SQLiteData { value.map(SQLiteData.text) ?? .null }
    static func integer(_ value: Int) -> SQLiteData { .integer(value) }
    static func integer(_ value: Int64) -> SQLiteData { .integer(SQLiteInt64(value)) }
    /// Microseconds since 1970 (rounded like PostgreSQL's timestamptz input).
    static func timestamp(_ date: Date) -> SQLiteData { .integer(SQLiteInt64(WireTimestamp.microseconds(date))) }
    static func timestamp(_ date: Date?) -> SQLiteData { date.map(timestamp) ?? .null }
    static func json(_ value: JSONValue) -> SQLiteData { .text(StoredJSON.string(value)) }

    // MARK: rows

    static func action(_ row: SQLiteRow) throws -> Action {
        let request = ActionRequest(
            agentID: try string(row, "agent_id"),
            tool: try string(row, "tool"),
            operation: try string(row, "operation"),
            params: try json(row, "params_json", what: "action params"),
            context: try json(row, "context_json", what: "action context")
        )
        return Action(
            id: try uuid(row, "id"),
            request: request,
            status: try enumValue(row, "status", ActionStatus.self),
            decision: try enumValue(row, "decision", PolicyEffect.self),
            outcome: try enumValue(row, "outcome", DecisionOutcome.self),
            reason: try string(row, "reason"),
            reasonCode: try enumValue(row, "reason_code", ReasonCode.self),
            riskLevel: try enumValue(row, "risk_level", RiskLevel.self),
            requestHash: try string(row, "request_hash"),
            policyHash: try optionalString(row, "policy_hash"),
            policyVersion: try optionalString(row, "policy_version"),
            profileID: try optionalString(row, "profile_id"),
            profileVersion: try optionalString(row, "profile_version"),
            profileHash: try optionalString(row, "profile_hash"),
            runtimeVersion: try string(row, "runtime_version"),
            provenanceID: try string(row, "provenance_id"),
            approvalToken: try optionalString(row, "approval_token"),
            approvalExpiresAt: try optionalDate(row, "approval_expires_at"),
            createdAt: try date(row, "created_at"),
            updatedAt: try date(row, "updated_at"),
            version: Int(try integer(row, "version")),
            lastEventHash: try optionalString(row, "last_event_hash")
        )
    }

    static func event(_ row: SQLiteRow) throws -> ActionEvent {
        ActionEvent(
            id: try uuid(row, "id"),
            actionID: try uuid(row, "action_id"),
            type: try enumValue(row, "event_type", ActionEventType.self),
            meta: try json(row, "meta_json", what: "event meta"),
            actor: try string(row, "actor"),
            createdAt: try date(row, "created_at"),
            prevHash: try optionalString(row, "prev_hash"),
            recordHash: try string(row, "record_hash"),
            seq: try integer(row, "seq")
        )
    }

    static func token(_ row: SQLiteRow) throws -> APIToken {
        APIToken(
            id: try uuid(row, "id"),
            name: try string(row, "name"),
            role: try enumValue(row, "role", TokenRole.self),
            tokenHash: try string(row, "token_hash"),
            createdAt: try date(row, "created_at"),
            revokedAt: try optionalDate(row, "revoked_at"),
            agentIDs: APIToken.agentIDs(stored: try optionalString(row, "agent_ids"))
        )
    }

    // MARK: cells

    static func integer(_ row: SQLiteRow, _ column: String) throws -> Int64 {
        guard case .integer(let value)? = row.column(column) else { throw unexpected(column) }
        return Int64(value)
    }

    static func string(_ row: SQLiteRow, _ column: String) throws -> String {
        guard case .text(let value)? = row.column(column) else { throw unexpected(column) }
        return value
    }

    static func optionalString(_ row: SQLiteRow, _ column: String) throws -> String? {
        switch row.column(column) {
        case .text(let value)?: return value
        case .null?: return nil
        default: throw unexpected(column)
        }
    }

    private static func uuid(_ row: SQLiteRow, _ column: String) throws -> UUID {
        guard let id = UUID(uuidString: try string(row, column)) else { throw unexpected(column) }
        return id
    }

    private static func date(_ row: SQLiteRow, _ column: String) throws -> Date {
        WireTimestamp.date(microseconds: try integer(row, column))
    }

    private static func optionalDate(_ row: SQLiteRow, _ column: String) throws -> Date? {
        switch row.column(column) {
        case .integer(let value)?: return WireTimestamp.date(microseconds: Int64(value))
        case .null?: return nil
        default: throw unexpected(column)
        }
    }

    private static func json(_ row: SQLiteRow, _ column: String, what: String) throws -> JSONValue {
        let text = try string(row, column)
        do {
            return try StoredJSON.parse(text)
        } catch {
            throw StoreError.unavailable("stored \(what) is not valid JSON")
        }
    }

    private static func enumValue<E: RawRepresentable>(_ row: SQLiteRow, _ column: String, _ type: E.Type) throws -> E
    where E.RawValue == String {
        guard let value = E(rawValue: try string(row, column)) else {
            throw StoreError.unavailable("stored \(column) has an unknown value")
        }
        return value
    }

    private static func unexpected(_ column: String) -> StoreError {
        StoreError.unavailable("the database returned an unexpected value for \(column)")
    }
}
