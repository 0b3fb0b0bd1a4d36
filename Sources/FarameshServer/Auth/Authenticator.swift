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
final class Authenticator: Sendable {
    /// Longest accepted token; longer headers are rejected before hashing.
    static let maxTokenLength = 4096
    static let maxCacheEntries = 10_000

    let mode: ServerConfiguration.AuthMode
    private let bootstrapDigests: [[UInt8]]
    private let store: any ActionStore
    private let cacheTTL: Duration
    private let lookupTimeout: Duration
    private let cache = Mutex<[String: CacheEntry]>([:])

    private struct CacheEntry: Sendable {
        var identity: Identity?
        var expires: ContinuousClock.Instant
    }

    init(configuration: ServerConfiguration, store: any ActionStore) {
        self.mode = configuration.authMode
        self.bootstrapDigests = configuration.bootstrapTokens.filter { !$0.isEmpty }.map { SHA256Hex.digestBytes($0) }
        self.store = store
        self.cacheTTL = configuration.tokenCacheTTL
        self.lookupTimeout = configuration.requestTimeout
    }

    /// - Throws: `APIError` 401 (missing/invalid token) or 503 (token store unavailable).
    func authenticate(authorization: String?) async throws -> Identity {
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
        if let identity = try await self.lookup(hash: SHA256Hex.hex(digest)) { return identity }
        if self.mode == .local { return .local }
        throw APIError.unauthorized("Invalid authentication token")
    }

    /// `Bearer <token>` (scheme case-insensitive, RFC 6750); nil when malformed.
    static func bearerToken(_ header: String) -> String? {
        let utf8 = header.utf8
        guard utf8.count > 7, utf8.count <= 7 + self.maxTokenLength else { return nil }
        let scheme = header.prefix(7)
        guard scheme.lowercased() == "bearer " else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty, !token.unicodeScalars.contains(where: { $0.value < 0x21 || $0.value == 0x7F }) else { return nil }
        return token
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
            token.revokedAt == nil ? Identity(name: token.name, role: token.role, isLocal: false) : nil
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
