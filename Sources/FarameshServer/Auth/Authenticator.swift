import FarameshCore
import FarameshStore
import Foundation
import Logging
import Synchronization

/// Turns an `Authorization` header into an `Identity`.
///
/// Bootstrap tokens from the configuration are compared as SHA-256 hashes in constant time and
/// never touch the database, so the decide path stays free of I/O. Other tokens are looked up by
/// hash in the store; answers are cached for `cacheTTL` (a revoked token stops working within
/// that time) and the cache is bounded.
///
/// Local mode (no token configured) ends by itself once the database holds an active token: a
/// local-mode request re-reads the token table when the last look is older than
/// `localModeRecheckInterval` (one request does it, the others go on meanwhile), and a request
/// presenting a database token ends it at once.
final class Authenticator: Sendable {
    /// Longest accepted token; longer headers are rejected before hashing.
    static let maxTokenLength = 4096
    static let maxCacheEntries = 10_000

    private let localMode: Atomic<Bool>
    var mode: GatekeeperConfiguration.AuthMode { self.localMode.load(ordering: .acquiring) ? .local : .tokens }
    private let bootstrapDigests: [[UInt8]]
    private let store: any ActionStore
    private let cacheTTL: Duration
    private let lookupTimeout: Duration
    private let cache = Mutex<[String: CacheEntry]>([:])
    private let localModeRecheckInterval: Duration
    /// When local mode next looks at the token table.
    private let nextLocalModeCheck: Mutex<ContinuousClock.Instant>

    private struct CacheEntry: Sendable {
        var identity: Identity?
        var expires: ContinuousClock.Instant
    }

    init(configuration: GatekeeperConfiguration, store: any ActionStore) {
        self.localMode = Atomic(configuration.authMode == .local)
        self.bootstrapDigests = configuration.bootstrapTokens.filter { !$0.isEmpty }.map { SHA256Hex.digestBytes($0) }
        self.store = store
        self.cacheTTL = configuration.tokenCacheTTL
        self.lookupTimeout = configuration.requestTimeout
        self.localModeRecheckInterval = configuration.localModeRecheckInterval
        self.nextLocalModeCheck = Mutex(ContinuousClock.now + configuration.localModeRecheckInterval)
    }

    /// Leaves local mode for good: from now on every request needs a valid token.
    func requireTokens() {
        self.localMode.store(false, ordering: .releasing)
    }

    /// - Throws: `APIError` 401 (missing/invalid token) or 503 (token store unavailable).
    func authenticate(authorization: String?) async throws -> Identity {
        if self.mode == .local { await self.recheckLocalMode() }
        guard let authorization else {
            if self.mode == .local { return .local }
            throw APIError.unauthorized("Missing or invalid Authorization header")
        }
        guard let token = Self.bearerToken(authorization) else {
            if self.mode == .local { return .local }
            throw APIError.unauthorized("Missing or invalid Authorization header")
        }
        let digest = SHA256Hex.digestBytes(token)
        if self.matchesBootstrap(digest) { return .bootstrapAdmin }
        if let identity = try await self.lookup(hash: SHA256Hex.hex(digest)) {
            // A database token exists: whoever created it wants authentication.
            if self.mode == .local { self.requireTokens() }
            return identity
        }
        if self.mode == .local { return .local }
        throw APIError.unauthorized("Invalid authentication token")
    }

    /// Leaves local mode when the token table holds an active token. At most one caller looks
    /// per interval; a database error keeps local mode until the next look.
    private func recheckLocalMode() async {
        let now = ContinuousClock.now
        let due = self.nextLocalModeCheck.withLock { next -> Bool in
            guard now >= next else { return false }
            next = now + self.localModeRecheckInterval
            return true
        }
        guard due else { return }
        let store = self.store
        if let tokens = try? await Deadline.run(self.lookupTimeout, { try await store.tokens() }),
            tokens.contains(where: { $0.revokedAt == nil })
        {
            self.requireTokens()
        }
    }

    /// `Bearer <token>` (scheme case-insensitive, RFC 6750); nil when malformed. The token is
    /// visible ASCII (RFC 6750 `b64token` is a subset); surrounding spaces are ignored.
    static func bearerToken(_ header: String) -> String? {
        var bytes = Array(header.utf8)[...]
        guard bytes.count > 7, bytes.count <= 7 + self.maxTokenLength else { return nil }
        let scheme: [UInt8] = Array("bearer ".utf8)
        for (i, expected) in scheme.enumerated() {
            let byte = bytes[bytes.startIndex + i]
            // ASCII lower-casing of letters only; the space must match exactly.
            let lowered = (byte >= 0x41 && byte <= 0x5A) ? byte + 0x20 : byte
            guard lowered == expected else { return nil }
        }
        bytes = bytes.dropFirst(7)
        while bytes.first == 0x20 { bytes = bytes.dropFirst() }
        while bytes.last == 0x20 { bytes = bytes.dropLast() }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Compares against every bootstrap digest without early exit.
    private func matchesBootstrap(_ digest: [UInt8]) -> Bool {
        var matched = false
        for candidate in self.bootstrapDigests {
            var difference: UInt8 = 0
            for i in 0..<min(candidate.count, digest.count) { difference |= candidate[i] ^ digest[i] }
            if difference == 0 && candidate.count == digest.count { matched = true }
        }
        return matched
    }

    private func lookup(hash: String) async throws -> Identity? {
        let now = ContinuousClock.now
        if let entry = self.cache.withLock({ $0[hash] }), entry.expires > now {
            return entry.identity
        }
        let store = self.store
        let token: APIToken?
        do {
            token = try await Deadline.run(self.lookupTimeout) { try await store.token(hash: hash) }
        } catch {
            throw APIError.unavailable("Cannot verify the token: the database is unavailable")
        }
        let identity = token.flatMap { token -> Identity? in
            token.revokedAt == nil ? Identity(token: token) : nil
        }
        self.cache.withLock { cache in
            if cache.count >= Self.maxCacheEntries { cache.removeAll(keepingCapacity: true) }
            cache[hash] = CacheEntry(identity: identity, expires: now + self.cacheTTL)
        }
        return identity
    }
}

extension SHA256Hex {
    /// Raw digest of a string's UTF-8 bytes.
    static func digestBytes(_ text: String) -> [UInt8] {
        Array(text.utf8).withUnsafeBytes { SHA256Hex.digest($0) }
    }
}
