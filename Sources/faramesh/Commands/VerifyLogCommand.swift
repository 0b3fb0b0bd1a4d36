import ArgumentParser
import FarameshCore
import FarameshLedgerVerifier
import FarameshStore
import Foundation

/// `faramesh verify-log [ACTION]`: checks the audit history in the database without trusting it.
struct VerifyLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-log",
        abstract: "Verify the audit ledger and every hash chain, reading the database directly.",
        discussion: """
            Checks every per-action event chain, the global chain, the Merkle root at every signed \
            checkpoint and each checkpoint's Ed25519 signature, and that every event is sealed. Each \
            problem is reported with its ledger position, seq, event and action, as edited, deleted, \
            inserted, reordered or rehashed. With ACTION only that action's chain and the inclusion \
            proofs of its events are checked. Exit status 1 when anything is wrong.

            Signatures are checked against --public-key keys; without them, against the public keys \
            recorded in the database (which proves consistency, not origin: pin the key).
            """
    )

    @Argument(help: "Action id or prefix; the whole ledger when omitted.")
    var action: String?

    @Flag(help: "Print JSON.")
    var json = false

    @Option(
        name: .customLong("public-key"),
        parsing: .singleValue,
        help: "Trusted Ed25519 public key (base64 or hex, or a file holding it); repeat for rotated keys."
    )
    var publicKeys: [String] = []

    @Option(
        name: .customLong("since-checkpoint"),
        help:
            "Check only positions after this checkpoint (a tree size, or 'last' for the one remembered in --state); the newest checkpoint must extend it (consistency proof)."
    )
    var sinceCheckpoint: String?

    @Option(
        name: .customLong("state"),
        help:
            "File remembering the last verified checkpoint (env FARAMESH_VERIFY_STATE); updated after a successful run."
    )
    var statePath: String?

    @Option(
        name: .customLong("unsealed-grace"),
        help:
            "Events younger than this may still be unsealed, and positions sealed since may still be unsigned (default 60s)."
    )
    var unsealedGrace: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let source = try SettingsSource.current()
        let settings = try DatabaseSettings.resolve(database, source)
        let logger = try CommandLogging.logger("faramesh.verify", level: "warning")
        let grace = try source.duration(flag: unsealedGrace, ["FARAMESH_VERIFY_UNSEALED_GRACE"]) ?? .seconds(60)
        let pinned = try publicKeys.map(Self.readPublicKey)
        let statePath = source.string(flag: self.statePath, ["FARAMESH_VERIFY_STATE"])
        let remembered: VerifiedCheckpoint?
        do { remembered = try statePath.flatMap(VerifiedCheckpoint.load) } catch { throw CLIError("\(error)") }
        let since: Int64?
        switch sinceCheckpoint {
        case nil: since = nil
        case "last"?:
            guard let remembered else {
                throw ValidationError("--since-checkpoint last needs a --state file from an earlier successful run")
            }
            since = remembered.treeSize
        case let text?:
            guard let size = Int64(text), size >= 0 else {
                throw ValidationError("--since-checkpoint takes a tree size or 'last'")
            }
            since = size
        }
        let target = action
        let options = LedgerVerifier.Options(
            pinnedKeys: pinned,
            since: since,
            remembered: remembered,
            grace: TimeInterval(
                Double(grace.components.seconds)
                    + Double(grace.components.attoseconds) / 1e18
            )
        )
        let report = try await StoreFactory.withStore(settings, logger: logger) { store in
            let verifier = LedgerVerifier(store: store, options: options)
            guard let target else { return try await verifier.verifyLedger() }
            do {
                return try await verifier.verifyAction(target)
            } catch let error as LedgerVerifier.LookupError {
                throw ValidationError(error.description)
            }
        }
        if json {
            print(CanonicalJSON.string(report.json))
        } else {
            for finding in report.findings where !finding.isWarning { print("FAILED \(finding)") }
            for finding in report.findings where finding.isWarning { print("warning: \(finding)") }
            for note in report.notes { print("note: \(note)") }
            print(report.summary)
        }
        if report.ok, let statePath, target == nil, let checkpoint = report.latestVerified {
            do {
                try VerifiedCheckpoint(checkpoint: checkpoint, verifiedAt: Date()).save(to: statePath)
            } catch {
                throw CLIError("\(error)")
            }
        }
        if !report.ok { throw ExitCode(1) }
    }

    /// A key given as text, or the path of a file holding it.
    static func readPublicKey(_ value: String) throws -> LedgerPublicKey {
        var text = value
        if FileManager.default.fileExists(atPath: value) {
            guard let data = FileManager.default.contents(atPath: value) else {
                throw ValidationError("cannot read \(value)")
            }
            text = String(decoding: data, as: UTF8.self)
        }
        do {
            return try LedgerPublicKey(text: text)
        } catch {
            throw ValidationError("--public-key \(value): \(error.description)")
        }
    }
}
