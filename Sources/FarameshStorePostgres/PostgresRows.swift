import FarameshCore
import FarameshStore
import Foundation
import PostgresNIO

/// Column lists and row decoders for the store's tables. SQL text lives only in this module.
enum PostgresRows {
    static let actionColumns = """
        id, agent_id, tool, operation, params_json, context_json, status, decision, outcome, reason, \
        reason_code, risk_level, request_hash, policy_hash, policy_version, profile_id, profile_version, \
        profile_hash, runtime_version, provenance_id, approval_token, approval_expires_at, created_at, \
        updated_at, version, last_event_hash
        """

    static let eventColumns = "seq, id, action_id, event_type, meta_json, actor, created_at, prev_hash, record_hash"

    static let tokenColumns = "id, name, role, token_hash, created_at, revoked_at, agent_ids"

    static func action(_ row: PostgresRow) throws -> Action {
        let r = row.makeRandomAccess()
        let request = ActionRequest(
            agentID: try r["agent_id"].decode(String.self),
            tool: try r["tool"].decode(String.self),
            operation: try r["operation"].decode(String.self),
            params: try json(r["params_json"], what: "action params"),
            context: try json(r["context_json"], what: "action context")
        )
        return Action(
            id: try r["id"].decode(UUID.self),
            request: request,
            status: try enumValue(r["status"], ActionStatus.self),
            decision: try enumValue(r["decision"], PolicyEffect.self),
            outcome: try enumValue(r["outcome"], DecisionOutcome.self),
            reason: try r["reason"].decode(String.self),
            reasonCode: try enumValue(r["reason_code"], ReasonCode.self),
            riskLevel: try enumValue(r["risk_level"], RiskLevel.self),
            requestHash: try r["request_hash"].decode(String.self),
            policyHash: try r["policy_hash"].decode(String?.self),
            policyVersion: try r["policy_version"].decode(String?.self),
            profileID: try r["profile_id"].decode(String?.self),
            profileVersion: try r["profile_version"].decode(String?.self),
            profileHash: try r["profile_hash"].decode(String?.self),
            runtimeVersion: try r["runtime_version"].decode(String.self),
            provenanceID: try r["provenance_id"].decode(String.self),
            approvalToken: try r["approval_token"].decode(String?.self),
            approvalExpiresAt: try r["approval_expires_at"].decode(PostgresTimestamp?.self)?.date,
            createdAt: try r["created_at"].decode(PostgresTimestamp.self).date,
            updatedAt: try r["updated_at"].decode(PostgresTimestamp.self).date,
            version: try r["version"].decode(Int.self),
            lastEventHash: try r["last_event_hash"].decode(String?.self)
        )
    }

    static func event(_ row: PostgresRow) throws -> ActionEvent {
        let r = row.makeRandomAccess()
        return ActionEvent(
            id: try r["id"].decode(UUID.self),
            actionID: try r["action_id"].decode(UUID.self),
            type: try enumValue(r["event_type"], ActionEventType.self),
            meta: try json(r["meta_json"], what: "event meta"),
            actor: try r["actor"].decode(String.self),
            createdAt: try r["created_at"].decode(PostgresTimestamp.self).date,
            prevHash: try r["prev_hash"].decode(String?.self),
            recordHash: try r["record_hash"].decode(String.self),
            seq: try r["seq"].decode(Int64.self)
        )
    }

    static func token(_ row: PostgresRow) throws -> APIToken {
        let r = row.makeRandomAccess()
        return APIToken(
            id: try r["id"].decode(UUID.self),
            name: try r["name"].decode(String.self),
            role: try enumValue(r["role"], TokenRole.self),
            tokenHash: try r["token_hash"].decode(String.self),
            createdAt: try r["created_at"].decode(PostgresTimestamp.self).date,
            revokedAt: try r["revoked_at"].decode(PostgresTimestamp?.self)?.date,
            agentIDs: APIToken.agentIDs(stored: try r["agent_ids"].decode(String?.self))
        )
    }

    private static func json(_ cell: PostgresCell, what: String) throws -> JSONValue {
        let text = try cell.decode(String.self)
        do {
            return try StoredJSON.parse(text)
        } catch {
            throw StoreError.unavailable("stored \(what) is not valid JSON")
        }
    }

    private static func enumValue<E: RawRepresentable>(_ cell: PostgresCell, _ type: E.Type) throws -> E
    where E.RawValue == String {
        let raw = try cell.decode(String.self)
        guard let value = E(rawValue: raw) else {
            throw StoreError.unavailable("stored \(cell.columnName) has an unknown value")
        }
        return value
    }
}
