import FarameshAPI
import FarameshCore
import FarameshStore
import Foundation
import Hummingbird

/// `GET /v1/ledger/public-key`, `/v1/ledger/checkpoints`, `/v1/ledger/proof/{id}` and
/// `/v1/ledger/consistency`: what anyone needs to check the ledger without trusting the
/// database. Any authenticated role may read them (they hold hashes and ids, no content).
struct LedgerController: Sendable {
    typealias Context = AppRequestContext

    static let maxCheckpointPage = 1000

    let store: any ActionStore
    /// The key this replica signs with.
    let signingKey: LedgerPublicKey?

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("public-key", use: self.publicKey)
        group.get("checkpoints", use: self.checkpoints)
        group.get("proof/:id", use: self.proof)
        group.get("consistency", use: self.consistency)
    }

    @Sendable func publicKey(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireIdentity()
        _ = try Self.query(request, allowed: [])
        let stored = try await self.store.ledgerKeys()
        var keys = stored.map { LedgerPublicKeyResponse.Key(key: $0.key, firstUsedAt: $0.firstUsedAt) }
        if let signingKey, !keys.contains(where: { $0.key == signingKey }) {
            keys.append(LedgerPublicKeyResponse.Key(key: signingKey, firstUsedAt: nil))
        }
        return JSONResponse.make(LedgerPublicKeyResponse(current: self.signingKey, keys: keys))
    }

    /// `?tree_size=N` (exactly that checkpoint), `?position=P` (the first checkpoint covering
    /// position P), otherwise the newest `limit` (default 20) with `before=N` to page back.
    @Sendable func checkpoints(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireIdentity()
        let values = try Self.query(request, allowed: ["tree_size", "position", "limit", "before"])
        // Every parameter given is validated, also those a tree_size or position lookup ignores.
        let limit =
            try values["limit"].map { raw throws in Int(try Self.integer(raw, name: "limit", minimum: 1)) } ?? 20
        guard limit <= Self.maxCheckpointPage else {
            throw APIError.validation(
                WireValidationError(field: "limit", message: "must be between 1 and \(Self.maxCheckpointPage)")
            )
        }
        let before = try values["before"].map { raw throws in try Self.integer(raw, name: "before", minimum: 1) }
        let head = try await self.store.ledgerHead()
        var list: [LedgerCheckpoint]
        if let raw = values["tree_size"] {
            let size = try Self.integer(raw, name: "tree_size", minimum: 1)
            guard let checkpoint = try await self.store.ledgerCheckpoint(treeSize: size) else {
                throw APIError(.notFound, .notFound, "No checkpoint has tree size \(size)")
            }
            list = [checkpoint]
        } else if let raw = values["position"] {
            let position = try Self.integer(raw, name: "position", minimum: 0)
            guard let checkpoint = try await self.store.ledgerCheckpoint(covering: position) else {
                throw Self.notYetCheckpointed("Position \(position)")
            }
            list = [checkpoint]
        } else {
            list = try await self.store.ledgerCheckpoints(upTo: before.map { $0 - 1 } ?? Int64.max, limit: limit)
        }
        return JSONResponse.make(
            LedgerCheckpointsResponse(size: head.size, latest: head.latestCheckpoint, checkpoints: list)
        )
    }

    /// `{id}` is an event id or a ledger position; `?tree_size=N` proves against that
    /// checkpoint instead of the newest one.
    @Sendable func proof(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let values = try Self.query(request, allowed: ["tree_size"])
        guard let reference = context.parameters.get("id") else { throw APIError(.notFound, .notFound, "Not found") }
        let entry: LedgerEntry?
        if let id = UUID(uuidString: reference) {
            entry = try await self.store.ledgerEntry(eventID: id)
        } else if reference.allSatisfy(\.isNumber), reference.utf8.count <= 18, let position = Int64(reference) {
            entry = try await self.store.ledgerEntries(from: position, limit: 1).first {
                $0.record.position == position
            }
        } else {
            throw APIError.validation(
                WireValidationError(field: "id", message: "must be an event id or a ledger position")
            )
        }
        var visible = entry != nil
        if let entry, let scope = identity.readScope {
            // A leaf names the action and its actor: agent tokens get proofs for their agents' events only.
            let action = try await self.store.action(id: entry.record.leaf.actionID)
            visible = action.map { scope.allows($0.request.agentID) } ?? false
        }
        guard let entry, visible else {
            throw APIError(
                .notFound,
                .notFound,
                "Event or position \(reference) is not sealed in the ledger (yet)",
                headers: [.retryAfter: "1"]
            )
        }
        let checkpoint: LedgerCheckpoint
        if let raw = values["tree_size"] {
            let size = try Self.integer(raw, name: "tree_size", minimum: 1)
            guard let found = try await self.store.ledgerCheckpoint(treeSize: size) else {
                throw APIError(.notFound, .notFound, "No checkpoint has tree size \(size)")
            }
            guard found.treeSize > entry.record.position else {
                // No such proof exists (the checkpoint predates the event): a missing resource.
                throw APIError(
                    .notFound,
                    .notFound,
                    "The checkpoint of tree size \(size) does not cover position \(entry.record.position)"
                )
            }
            checkpoint = found
        } else {
            guard let latest = try await self.store.ledgerHead().latestCheckpoint,
                latest.treeSize > entry.record.position
            else {
                throw Self.notYetCheckpointed("Position \(entry.record.position)")
            }
            checkpoint = latest
        }
        let record = entry.record
        guard let ranges = MerkleTree.inclusionProofRanges(index: record.position, size: checkpoint.treeSize),
            let path = try await self.store.ledgerRangeHashes(ranges)
        else {
            throw APIError.unavailable("The ledger's stored Merkle nodes are incomplete")
        }
        return JSONResponse.make(
            LedgerInclusionProofResponse(
                leaf: record.leaf,
                leafHash: record.leafHash,
                auditPath: path,
                checkpoint: checkpoint
            )
        )
    }

    @Sendable func consistency(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireIdentity()
        let values = try Self.query(request, allowed: ["from", "to"])
        guard let rawFrom = values["from"] else {
            throw APIError.validation(WireValidationError(field: "from", message: "is required"))
        }
        let from = try Self.integer(rawFrom, name: "from", minimum: 0)
        let head = try await self.store.ledgerHead()
        let to: Int64
        if let rawTo = values["to"] {
            to = try Self.integer(rawTo, name: "to", minimum: 0)
        } else {
            guard let latest = head.latestCheckpoint else { throw Self.notYetCheckpointed("The ledger") }
            to = latest.treeSize
        }
        // Ranges the ledger does not have are missing resources (404), not malformed requests.
        guard from <= to else {
            throw APIError(.notFound, .notFound, "No consistency proof from tree size \(from) to the smaller \(to)")
        }
        guard to <= head.size else {
            throw APIError(
                .notFound,
                .notFound,
                "The ledger has only \(head.size) positions",
                headers: [.retryAfter: "1"]
            )
        }
        guard let ranges = MerkleTree.consistencyProofRanges(from: from, to: to),
            let proof = try await self.store.ledgerRangeHashes(ranges),
            let fromRoot = try await self.store.ledgerRoot(size: from),
            let toRoot = try await self.store.ledgerRoot(size: to)
        else {
            throw APIError.unavailable("The ledger's stored Merkle nodes are incomplete")
        }
        let fromCheckpoint = from > 0 ? try await self.store.ledgerCheckpoint(treeSize: from) : nil
        let toCheckpoint = to > 0 ? try await self.store.ledgerCheckpoint(treeSize: to) : nil
        return JSONResponse.make(
            LedgerConsistencyProofResponse(
                from: from,
                to: to,
                fromRoot: fromRoot,
                toRoot: toRoot,
                proof: proof,
                fromCheckpoint: fromCheckpoint,
                toCheckpoint: toCheckpoint
            )
        )
    }

    // MARK: helpers

    static func notYetCheckpointed(_ what: String) -> APIError {
        APIError(
            .notFound,
            .notFound,
            "\(what) is not covered by a signed checkpoint yet; retry in a few seconds",
            headers: [.retryAfter: "5"]
        )
    }

    static func query(_ request: Request, allowed: Set<String>) throws -> [String: String] {
        var values: [String: String] = [:]
        do {
            for (key, value) in try ListQuery.formPairs(request.uri.query ?? "") {
                guard allowed.contains(key) else {
                    throw WireValidationError(field: key, message: "unknown query parameter")
                }
                if values[key] == nil { values[key] = value }
            }
        } catch let error as WireValidationError {
            throw APIError.validation(error)
        }
        return values
    }

    static func integer(_ raw: String, name: String, minimum: Int64) throws -> Int64 {
        guard !raw.isEmpty, raw.utf8.count <= 18, raw.allSatisfy({ $0 >= "0" && $0 <= "9" }), let value = Int64(raw),
            value >= minimum
        else {
            throw APIError.validation(WireValidationError(field: name, message: "must be an integer ≥ \(minimum)"))
        }
        return value
    }
}
