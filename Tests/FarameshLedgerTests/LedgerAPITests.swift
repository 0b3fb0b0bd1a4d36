import FarameshAPI
import FarameshCore
import FarameshServer
import FarameshStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import faramesh

/// `/v1/ledger/*` over the real router and a real store: every answer checks out with nothing
/// but the public key.
@Suite("Ledger API", .serialized)
struct LedgerAPITests {
    static let token = "ledger-test-token-0123456789"

    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var bytes: [UInt8]
        func json() throws -> JSONValue { try JSONParser.parse(bytes) }
    }

    static func withApp(
        _ db: LedgerDB,
        key: LedgerSigningKey,
        _ body: @Sendable (@escaping @Sendable (String, String?) async throws -> Reply) async throws -> Void
    ) async throws {
        var configuration = GatekeeperConfiguration(bootstrapTokens: [token], migrateOnStart: false)
        configuration.ledger.keySource = .inline(key.base64)
        let metrics = ServerMetrics()
        let policy = try PolicyRuntime(configuration: configuration, metrics: metrics, logger: LedgerDB.logger)
        let app = try FarameshApplication.make(
            configuration: configuration,
            store: db.store,
            policy: policy,
            metrics: metrics,
            ledgerKey: key.publicKey,
            logger: LedgerDB.logger
        )
        try await app.test(.router) { client in
            try await body { path, token in
                var headers: HTTPFields = [:]
                if let token { headers[.authorization] = "Bearer \(token)" }
                let response = try await client.executeRequest(uri: path, method: .get, headers: headers, body: nil)
                return Reply(status: response.status, headers: response.headers, bytes: Array(buffer: response.body))
            }
        }
    }

    @Test("public key, checkpoints, inclusion and consistency proofs", arguments: Backend.allCases)
    func endpoints(_ backend: Backend) async throws {
        try await LedgerDB.with(backend) { db in
            let key = LedgerSigningKey.generate()
            _ = try await LedgerFixtures.population(db.store, count: 10)
            try await Sealing.sealAll(db.store, key: key)
            let events = try await db.store.events(after: 0, limit: 1000)
            let size = Int64(events.count)
            try await Self.withApp(db, key: key) { get in
                #expect(try await get("/v1/ledger/public-key", nil).status == .unauthorized)

                let keys = try LedgerPublicKeyResponse(json: try await get("/v1/ledger/public-key", Self.token).json())
                #expect(keys.current == key.publicKey)
                #expect(keys.keys.map(\.key) == [key.publicKey])
                let trusted = try #require(keys.current)

                let page = try LedgerCheckpointsResponse(
                    json: try await get("/v1/ledger/checkpoints", Self.token).json()
                )
                #expect(page.size == size)
                let latest = try #require(page.latest)
                #expect(latest.treeSize == size && trusted.verifies(latest))
                #expect(page.checkpoints.first == latest)
                #expect(page.checkpoints.allSatisfy(trusted.verifies))
                let exact = try LedgerCheckpointsResponse(
                    json: try await get("/v1/ledger/checkpoints?tree_size=16", Self.token).json()
                )
                #expect(exact.checkpoints.map(\.treeSize) == [16])
                let covering = try LedgerCheckpointsResponse(
                    json: try await get("/v1/ledger/checkpoints?position=3", Self.token).json()
                )
                #expect(covering.checkpoints.map(\.treeSize) == [16])
                let older = try LedgerCheckpointsResponse(
                    json: try await get("/v1/ledger/checkpoints?before=\(size)&limit=1", Self.token).json()
                )
                #expect(older.checkpoints.count == 1 && older.checkpoints[0].treeSize < size)
                #expect(try await get("/v1/ledger/checkpoints?tree_size=9999", Self.token).status == .notFound)
                #expect(try await get("/v1/ledger/checkpoints?limit=0", Self.token).status == .unprocessableContent)
                #expect(try await get("/v1/ledger/checkpoints?bogus=1", Self.token).status == .unprocessableContent)

                // Every event's proof, by id and by position.
                for event in events {
                    let reply = try await get("/v1/ledger/proof/\(event.id.uuidString.lowercased())", Self.token)
                    #expect(reply.status == .ok)
                    let proof = try LedgerInclusionProofResponse(json: try reply.json())
                    #expect(proof.verifies && trusted.verifies(proof.checkpoint))
                    #expect(proof.checkpoint == latest)
                    #expect(
                        proof.leaf.eventID == event.id && proof.leaf.seq == event.seq
                            && proof.leaf.recordHash == event.recordHash
                    )
                    #expect(proof.leaf.actor == event.actor && proof.leaf.eventType == event.type.rawValue)
                    let byPosition = try LedgerInclusionProofResponse(
                        json: try await get("/v1/ledger/proof/\(proof.leaf.position)", Self.token).json()
                    )
                    #expect(byPosition == proof)
                    if proof.leaf.position < 16 {
                        let early = try LedgerInclusionProofResponse(
                            json: try await get(
                                "/v1/ledger/proof/\(proof.leaf.position)?tree_size=16",
                                Self.token
                            ).json()
                        )
                        #expect(early.verifies && early.checkpoint.treeSize == 16)
                    } else {
                        #expect(
                            try await get("/v1/ledger/proof/\(proof.leaf.position)?tree_size=16", Self.token).status
                                == .notFound
                        )
                    }
                }
                // Agent tokens get proofs only for their own agents' events (a leaf names the action and actor).
                let agentToken = "ledger-agent-token-0123456789"
                try await db.store.createToken(
                    APIToken(
                        id: UUID(),
                        name: "agent-3",
                        role: .agent,
                        tokenHash: SHA256Hex.hash(agentToken),
                        createdAt: Date()
                    )
                )
                var own = 0
                for event in events {
                    let agentID = try #require(try await db.store.action(id: event.actionID)).request.agentID
                    let reply = try await get("/v1/ledger/proof/\(event.id.uuidString.lowercased())", agentToken)
                    #expect(reply.status == (agentID == "agent-3" ? .ok : .notFound), "\(agentID)")
                    if agentID == "agent-3" { own += 1 }
                }
                #expect(own > 0 && own < events.count)
                let unknown = try await get("/v1/ledger/proof/\(UUID().uuidString)", Self.token)
                #expect(unknown.status == .notFound && unknown.headers[.retryAfter] != nil)
                #expect(try await get("/v1/ledger/proof/not-an-id", Self.token).status == .unprocessableContent)
                #expect(try await get("/v1/ledger/proof/\(size)", Self.token).status == .notFound)

                // Consistency between every pair of checkpoints, and the roots they sign.
                let all = try LedgerCheckpointsResponse(
                    json: try await get("/v1/ledger/checkpoints?limit=1000", Self.token).json()
                ).checkpoints
                for older in all {
                    let reply = try await get("/v1/ledger/consistency?from=\(older.treeSize)", Self.token)
                    let proof = try LedgerConsistencyProofResponse(json: try reply.json())
                    #expect(proof.verifies, "\(older.treeSize) -> \(size)")
                    #expect(proof.fromRoot == older.rootHash && proof.toRoot == latest.rootHash)
                    #expect(proof.fromCheckpoint == older && proof.toCheckpoint == latest)
                }
                let odd = try LedgerConsistencyProofResponse(
                    json: try await get("/v1/ledger/consistency?from=3&to=\(size - 1)", Self.token).json()
                )
                #expect(odd.verifies && odd.fromCheckpoint == nil)
                #expect(try await get("/v1/ledger/consistency", Self.token).status == .unprocessableContent)
                #expect(try await get("/v1/ledger/consistency?from=5&to=4", Self.token).status == .notFound)
                #expect(try await get("/v1/ledger/consistency?from=1&to=\(size + 1)", Self.token).status == .notFound)
                #expect(try await get("/v1/ledger/consistency?from=x", Self.token).status == .unprocessableContent)
            }
        }
    }

    @Test("before anything is sealed the endpoints answer 404, not 500")
    func emptyLedger() async throws {
        try await LedgerDB.with(.sqlite) { db in
            let key = LedgerSigningKey.generate()
            try await Self.withApp(db, key: key) { get in
                let page = try LedgerCheckpointsResponse(
                    json: try await get("/v1/ledger/checkpoints", Self.token).json()
                )
                #expect(page.size == 0 && page.latest == nil && page.checkpoints.isEmpty)
                #expect(try await get("/v1/ledger/proof/0", Self.token).status == .notFound)
                #expect(try await get("/v1/ledger/consistency?from=0", Self.token).status == .notFound)
                let keys = try LedgerPublicKeyResponse(json: try await get("/v1/ledger/public-key", Self.token).json())
                #expect(keys.current == key.publicKey)
            }
        }
    }
}
