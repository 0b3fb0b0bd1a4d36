import FarameshCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Loads (or, when configured to, creates) the ledger signing key at start-up.
package enum LedgerKeyLoader {
    package static func load(
        _ source: LedgerConfiguration.KeySource,
        logger: Logger
    ) throws(ServerStartupError) -> LedgerSigningKey {
        switch source {
        case .ephemeral:
            let key = LedgerSigningKey.generate()
            logger.notice(
                "ledger signing key generated in memory only (not persisted)",
                metadata: ["key_id": "\(key.keyID)"]
            )
            return key
        case .inline(let text):
            do {
                return try LedgerSigningKey(text: text)
            } catch {
                throw ServerStartupError("FARAMESH_LEDGER_KEY: \(error.description)")
            }
        case .file(let path, let createIfMissing):
            return try loadFile(path, createIfMissing: createIfMissing, logger: logger)
        }
    }

    static func loadFile(
        _ path: String,
        createIfMissing: Bool,
        logger: Logger
    ) throws(ServerStartupError) -> LedgerSigningKey {
        let files = FileManager.default
        if files.fileExists(atPath: path) {
            guard let data = files.contents(atPath: path) else {
                throw ServerStartupError("cannot read the ledger signing key file \(path)")
            }
            let key: LedgerSigningKey
            do {
                key = try LedgerSigningKey(text: String(decoding: data, as: UTF8.self))
            } catch {
                throw ServerStartupError("\(path): \(error.description)")
            }
            if let attributes = try? files.attributesOfItem(atPath: path),
                let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0
            {
                logger.warning(
                    "the ledger signing key file is readable by others; chmod 600 it",
                    metadata: ["path": "\(path)", "mode": "\(String(mode, radix: 8))"]
                )
            }
            return key
        }
        guard createIfMissing else { throw ServerStartupError("the ledger signing key file \(path) does not exist") }
        let key = LedgerSigningKey.generate()
        let directory = (path as NSString).deletingLastPathComponent
        do {
            if !directory.isEmpty, !files.fileExists(atPath: directory) {
                try files.createDirectory(
                    atPath: directory,
                    withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700]
                )
            }
        } catch {
            throw ServerStartupError("cannot create the directory for the ledger signing key \(path)")
        }
        // O_EXCL: two processes starting at once never overwrite each other's key.
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { return try loadFile(path, createIfMissing: false, logger: logger) }
            throw ServerStartupError("cannot create the ledger signing key file \(path)")
        }
        let bytes = Array((key.base64 + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0 else {
            throw ServerStartupError("cannot write the ledger signing key file \(path)")
        }
        logger.notice(
            "generated a new ledger signing key; back it up and give every replica the same key (FARAMESH_LEDGER_KEY_FILE)",
            metadata: ["path": "\(path)", "key_id": "\(key.keyID)", "public_key": "\(key.publicKey.base64)"]
        )
        return key
    }
}
