import FarameshCore
import Foundation

/// The last checkpoint `verify-log` verified, remembered in a small JSON file.
package struct VerifiedCheckpoint: Sendable, Equatable {
    /// The state file is missing parts, or cannot be written.
    package struct FileError: Error, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }

    package var treeSize: Int64
    package var rootHash: LedgerHash
    package var chainHash: LedgerHash
    package var keyID: String
    package var verifiedAt: Date

    package init(checkpoint: LedgerCheckpoint, verifiedAt: Date) {
        treeSize = checkpoint.treeSize
        rootHash = checkpoint.rootHash
        chainHash = checkpoint.chainHash
        keyID = checkpoint.keyID
        self.verifiedAt = WireTimestamp.date(microseconds: WireTimestamp.microseconds(verifiedAt))
    }

    package static func load(_ path: String) throws(FileError) -> VerifiedCheckpoint? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONParser.parse(Array(data)).objectValue,
            case .int(let size)? = object["tree_size"],
            let root = object["root_hash"]?.stringValue.flatMap({ LedgerHash(hex: $0) }),
            let chain = object["chain_hash"]?.stringValue.flatMap({ LedgerHash(hex: $0) }),
            let keyID = object["key_id"]?.stringValue,
            let at = object["verified_at"]?.stringValue.flatMap(WireTimestamp.parse)
        else {
            throw FileError("\(path) is not a verify-log state file")
        }
        return VerifiedCheckpoint(
            checkpoint: LedgerCheckpoint(
                treeSize: size,
                rootHash: root,
                chainHash: chain,
                signedAt: at,
                keyID: keyID,
                signature: []
            ),
            verifiedAt: at
        )
    }

    package func save(to path: String) throws(FileError) {
        let text =
            CanonicalJSON.string(
                .object([
                    "tree_size": .int(treeSize), "root_hash": .string(rootHash.hex),
                    "chain_hash": .string(chainHash.hex),
                    "key_id": .string(keyID), "verified_at": .string(WireTimestamp.format(verifiedAt)),
                ])
            ) + "\n"
        let url = URL(fileURLWithPath: path)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        do {
            try Data(text.utf8).write(to: url, options: .atomic)
        } catch {
            throw FileError("cannot write the state file \(path)")
        }
    }
}
