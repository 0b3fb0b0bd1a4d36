import Crypto
import Foundation

/// A signed statement "the ledger's first `treeSize` positions have Merkle root `rootHash` and
/// global chain hash `chainHash`", made by the sealer every N events or T seconds.
///
/// The signature is Ed25519 over `signedBytes`: the canonical JSON of
/// `{"chain_hash","key_id","log","root_hash","signed_at","tree_size"}` with `log` =
/// `"faramesh-ledger/v1"` (so a signature cannot be replayed as anything else).
public struct LedgerCheckpoint: Sendable, Hashable {
    public static let logName = "faramesh-ledger/v1"

    public var treeSize: Int64
    public var rootHash: LedgerHash
    public var chainHash: LedgerHash
    /// Whole microseconds (the wire timestamp format).
    public var signedAt: Date
    public var keyID: String
    /// 64 bytes.
    public var signature: [UInt8]

    public init(
        treeSize: Int64,
        rootHash: LedgerHash,
        chainHash: LedgerHash,
        signedAt: Date,
        keyID: String,
        signature: [UInt8]
    ) {
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.chainHash = chainHash
        self.signedAt = WireTimestamp.date(microseconds: WireTimestamp.microseconds(signedAt))
        self.keyID = keyID
        self.signature = signature
    }

    public var signedBytes: [UInt8] {
        Self.signedBytes(treeSize: treeSize, rootHash: rootHash, chainHash: chainHash, signedAt: signedAt, keyID: keyID)
    }

    static func signedBytes(
        treeSize: Int64,
        rootHash: LedgerHash,
        chainHash: LedgerHash,
        signedAt: Date,
        keyID: String
    ) -> [UInt8] {
        CanonicalJSON.bytes(
            .object([
                "chain_hash": .string(chainHash.hex),
                "key_id": .string(keyID),
                "log": .string(logName),
                "root_hash": .string(rootHash.hex),
                "signed_at": .string(WireTimestamp.format(signedAt)),
                "tree_size": .int(treeSize),
            ])
        )
    }

    /// Standard base64 of the signature.
    public var signatureBase64: String { Data(signature).base64EncodedString() }
}

/// Errors reading keys (safe to show; never contain key material).
public enum LedgerKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidPrivateKey
    case invalidPublicKey

    public var description: String {
        switch self {
        case .invalidPrivateKey: return "the ledger signing key is not a base64 Ed25519 private key (32 raw bytes)"
        case .invalidPublicKey: return "the ledger public key is not a base64 Ed25519 public key (32 raw bytes)"
        }
    }
}

/// An Ed25519 public key that checkpoints are verified with.
public struct LedgerPublicKey: Sendable, Hashable, CustomStringConvertible {
    /// 32 bytes.
    public let rawRepresentation: [UInt8]
    /// First 16 hex digits of SHA-256(raw public key): recorded with every checkpoint.
    public let keyID: String

    public init(rawRepresentation: [UInt8]) throws(LedgerKeyError) {
        guard rawRepresentation.count == 32,
            (try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)) != nil
        else {
            throw .invalidPublicKey
        }
        self.rawRepresentation = rawRepresentation
        self.keyID = String(SHA256Hex.hash(rawRepresentation).prefix(16))
    }

    /// Standard or URL-safe base64 (padding optional), or 64 hex digits.
    public init(text: String) throws(LedgerKeyError) {
        guard let raw = LedgerKeyText.decode(text) else { throw .invalidPublicKey }
        try self.init(rawRepresentation: raw)
    }

    public var base64: String { Data(rawRepresentation).base64EncodedString() }

    public var description: String { "ed25519:\(keyID)" }

    /// True when `checkpoint` names this key and its signature verifies.
    public func verifies(_ checkpoint: LedgerCheckpoint) -> Bool {
        guard checkpoint.keyID == keyID, checkpoint.signature.count == 64,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)
        else { return false }
        return key.isValidSignature(checkpoint.signature, for: checkpoint.signedBytes)
    }

    /// Plain Ed25519 verification (RFC 8032 test vectors).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// The sealer's Ed25519 private key. Only ever read from a file or the environment; never
/// written to the database.
public struct LedgerSigningKey: Sendable {
    private let key: Curve25519.Signing.PrivateKey
    public let publicKey: LedgerPublicKey

    public init(rawRepresentation: [UInt8]) throws(LedgerKeyError) {
        guard rawRepresentation.count == 32,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: rawRepresentation)
        else {
            throw .invalidPrivateKey
        }
        self.key = key
        self.publicKey = try LedgerPublicKey(rawRepresentation: Array(key.publicKey.rawRepresentation))
    }

    /// Base64 (standard or URL-safe) or hex of the 32-byte seed, surrounding whitespace ignored.
    public init(text: String) throws(LedgerKeyError) {
        guard let raw = LedgerKeyText.decode(text) else { throw .invalidPrivateKey }
        try self.init(rawRepresentation: raw)
    }

    public static func generate() -> LedgerSigningKey {
        let key = Curve25519.Signing.PrivateKey()
        // A freshly generated key always has a valid 32-byte public key.
        let raw = Array(key.publicKey.rawRepresentation)
        let keyID = String(SHA256Hex.hash(raw).prefix(16))
        return LedgerSigningKey(key: key, publicKey: LedgerPublicKey(unchecked: raw, keyID: keyID))
    }

    private init(key: Curve25519.Signing.PrivateKey, publicKey: LedgerPublicKey) {
        self.key = key
        self.publicKey = publicKey
    }

    /// Base64 of the 32-byte seed: the form key files and `FARAMESH_LEDGER_KEY` hold.
    public var base64: String { Data(key.rawRepresentation).base64EncodedString() }

    public var keyID: String { publicKey.keyID }

    /// Signs a checkpoint of the tree state. Throws only if the crypto library fails.
    public func checkpoint(
        treeSize: Int64,
        rootHash: LedgerHash,
        chainHash: LedgerHash,
        signedAt: Date
    ) throws -> LedgerCheckpoint {
        let at = WireTimestamp.date(microseconds: WireTimestamp.microseconds(signedAt))
        let message = LedgerCheckpoint.signedBytes(
            treeSize: treeSize,
            rootHash: rootHash,
            chainHash: chainHash,
            signedAt: at,
            keyID: keyID
        )
        let signature = try key.signature(for: message)
        return LedgerCheckpoint(
            treeSize: treeSize,
            rootHash: rootHash,
            chainHash: chainHash,
            signedAt: at,
            keyID: keyID,
            signature: Array(signature)
        )
    }
}

extension LedgerPublicKey {
    fileprivate init(unchecked raw: [UInt8], keyID: String) {
        self.rawRepresentation = raw
        self.keyID = keyID
    }
}

/// Key text: base64 (standard or URL-safe, padding optional) or hex.
enum LedgerKeyText {
    static func decode(_ text: String) -> [UInt8]? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.count == 64, let hash = LedgerHash(hex: trimmed) { return hash.bytes }
        var base64 = trimmed.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return Array(data)
    }
}
