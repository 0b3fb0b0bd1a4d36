import ArgumentParser
import FarameshCore
import FarameshStore
import Foundation

/// `faramesh audit export|verify`: a self-contained, signed extract of the ledger that can be
/// checked on another machine with nothing but the public key.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Export a verifiable audit bundle, or verify one offline.",
        subcommands: [AuditExportCommand.self, AuditVerifyCommand.self]
    )
}

/// `faramesh audit export --from … --to … [--redact k1,k2] > bundle.jsonl`.
struct AuditExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write ledger positions with their events, actions, checkpoint and proofs as JSON lines.",
        discussion: """
            --from and --to are ledger positions (inclusive) or times (2026-01-31, or RFC 3339): a time \
            selects positions sealed at or after --from and before --to. The range is extended to the \
            first signed checkpoint at or after --to, which the bundle is anchored to. --redact replaces \
            the named params values by their SHA-256; the bundle stays verifiable.
            """
    )

    @Option(help: "First position (or time); default 0.")
    var from: String?

    @Option(help: "Last position (or time); default the newest checkpoint.")
    var to: String?

    @Option(help: "Comma-separated params keys whose values are replaced by their hash.")
    var redact: String?

    @Option(name: [.short, .customLong("output")], help: "Write to this file instead of standard output.")
    var output: String?

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let source = try SettingsSource.current()
        let settings = try DatabaseSettings.resolve(database, source)
        let logger = try CommandLogging.logger("faramesh.audit", level: "warning")
        let redacted = Set(
            (redact ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        )
        let sink = try BundleSink(path: output)
        let (from, to) = (self.from, self.to)
        let summary = try await StoreFactory.withStore(settings, logger: logger) { store in
            try await AuditExporter(store: store, redacted: redacted).export(from: from, to: to, into: sink)
        }
        try sink.close()
        FileHandle.standardError.write(Data((summary + "\n").utf8))
    }
}

/// `faramesh audit verify bundle.jsonl --public-key KEY`.
struct AuditVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an audit bundle offline: events, chains, leaves, Merkle root and checkpoint signature."
    )

    @Argument(help: "The bundle (JSON lines), or - for standard input.")
    var bundle: String

    @Option(
        name: .customLong("public-key"),
        parsing: .singleValue,
        help: "Trusted Ed25519 public key (base64 or hex, or a file holding it); repeat for rotated keys."
    )
    var publicKeys: [String] = []

    @Flag(
        name: .customLong("trust-bundle-keys"),
        help: "Accept the keys inside the bundle (proves the bundle is intact, not who signed it)."
    )
    var trustBundleKeys = false

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        guard !publicKeys.isEmpty || trustBundleKeys else {
            throw ValidationError("give the signer's public key with --public-key (or --trust-bundle-keys)")
        }
        let keys = try publicKeys.map(VerifyLogCommand.readPublicKey)
        var verifier = AuditBundleVerifier(trustedKeys: keys, trustBundleKeys: trustBundleKeys)
        do {
            try LineReader.forEachLine(path: bundle) { line throws(AuditBundleError) in try verifier.add(line: line) }
        } catch let error as AuditBundleError {
            throw CLIError("the bundle cannot be read: \(error)")
        }
        let report = verifier.finish()
        if json {
            print(
                CanonicalJSON.string(
                    .object([
                        "ok": .bool(report.ok), "from": .int(report.from), "to": .int(report.to),
                        "entries": .int(report.entries),
                        "actions": .int(Int64(report.actions)),
                        "redacted_params": .array(report.redactedParams.map(JSONValue.string)),
                        "anchor": report.anchor.map(AuditBundle.checkpointJSON) ?? .null,
                        "failures": .array(report.failures.map(\.json)),
                    ])
                )
            )
        } else {
            for finding in report.failures { print("FAILED \(finding)") }
            if report.ok, let anchor = report.anchor {
                print(
                    "OK: positions \(report.from)..<\(report.to) (\(report.entries) entries, \(report.actions) actions) "
                        + "verify against checkpoint \(anchor.treeSize) signed by key \(anchor.keyID)"
                        + (report.redactedParams.isEmpty
                            ? "" : "; redacted params: \(report.redactedParams.joined(separator: ", "))")
                )
            } else {
                print("FAILED: \(report.failures.count) problem(s) in the bundle")
            }
        }
        if !report.ok { throw ExitCode(1) }
    }
}

/// Reads the ledger range and writes the bundle lines.
struct AuditExporter: Sendable {
    let store: any ActionStore
    let redacted: Set<String>

    func export(from fromText: String?, to toText: String?, into sink: BundleSink) async throws -> String {
        let head = try await store.ledgerHead()
        guard let latest = head.latestCheckpoint else {
            throw CLIError("the ledger has no signed checkpoint yet: nothing to export")
        }
        let from = try await position(fromText, default: 0, isEnd: false, size: head.size)
        let lastWanted = try await position(toText, default: latest.treeSize - 1, isEnd: true, size: head.size)
        guard from <= lastWanted, from < latest.treeSize else {
            throw CLIError("nothing to export: the range is empty or not covered by a signed checkpoint yet")
        }
        var note = ""
        let anchor: LedgerCheckpoint
        if let covering = try await store.ledgerCheckpoint(covering: lastWanted) {
            anchor = covering
        } else {
            anchor = latest
            note = " (positions after \(latest.treeSize - 1) are not signed yet and were left out)"
        }
        let to = anchor.treeSize
        let prevChain =
            from == 0
            ? LedgerChain.genesis
            : (try await store.ledgerEntries(from: from - 1, limit: 1).first { $0.record.position == from - 1 }?.record
                .chainHash
                ?? LedgerChain.genesis)
        let base = from > 0 ? try await store.ledgerCheckpoints(upTo: from, limit: 1).first : nil
        let keys = try await store.ledgerKeys().map(\.key)

        try sink.write(
            AuditBundle.header(
                from: from,
                to: to,
                prevChainHash: prevChain,
                redactedParams: redacted.sorted(),
                exportedAt: Date()
            )
        )
        for key in keys where key.keyID == anchor.keyID || key.keyID == base?.keyID {
            try sink.write(AuditBundle.key(key))
        }
        try sink.write(AuditBundle.checkpoint(anchor, role: "anchor"))
        guard let ranges = MerkleTree.rangeProofRanges(from: from, to: to, size: to),
            let rangeProof = try await store.ledgerRangeHashes(ranges)
        else {
            throw CLIError("the ledger's stored Merkle nodes are incomplete; run faramesh verify-log")
        }
        try sink.write(AuditBundle.proof("range", from: from, to: to, hashes: rangeProof))
        if let base {
            guard let ranges = MerkleTree.consistencyProofRanges(from: base.treeSize, to: to),
                let proof = try await store.ledgerRangeHashes(ranges)
            else {
                throw CLIError("the ledger's stored Merkle nodes are incomplete; run faramesh verify-log")
            }
            try sink.write(AuditBundle.checkpoint(base, role: "base"))
            try sink.write(AuditBundle.proof("consistency", from: base.treeSize, to: to, hashes: proof))
        }
        var position = from
        var entries: Int64 = 0
        var actions: Int64 = 0
        var missing = 0
        while position < to {
            let page = try await store.ledgerEntries(from: position, limit: Int(min(2000, to - position)))
            guard !page.isEmpty else { break }
            for entry in page where entry.record.position < to {
                position = entry.record.position + 1
                guard let event = entry.event else {
                    missing += 1
                    continue
                }
                if event.type == .created, let request = entry.request {
                    try sink.write(
                        AuditBundle.action(
                            id: event.actionID,
                            request: request,
                            requestHash: RequestHash.compute(request),
                            redacting: redacted
                        )
                    )
                    actions += 1
                }
                try sink.write(AuditBundle.entry(entry.record, event: event))
                entries += 1
            }
            if page.count < 2000 { break }
        }
        try sink.write(AuditBundle.end(entries: entries, actions: actions))
        var summary =
            "exported positions \(from)..<\(to): \(entries) entries, \(actions) actions, anchored to checkpoint \(to)\(note)"
        if missing > 0 {
            summary +=
                "; WARNING: \(missing) sealed event(s) are missing from the database and could not be exported (run faramesh verify-log)"
        }
        return summary
    }

    /// A position, or the first/last position sealed at/before a time.
    private func position(_ text: String?, default fallback: Int64, isEnd: Bool, size: Int64) async throws -> Int64 {
        guard let text else { return fallback }
        if let value = Int64(text) {
            guard value >= 0 else { throw ValidationError("positions are ≥ 0") }
            return value
        }
        guard let date = Self.parseTime(text) else {
            throw ValidationError("'\(text)' is neither a ledger position nor a time (2026-01-31 or RFC 3339)")
        }
        let first = try await store.ledgerPosition(sealedAtOrAfter: date)
        if isEnd { return (first ?? size) - 1 }
        return first ?? size
    }

    static func parseTime(_ text: String) -> Date? {
        if let date = WireTimestamp.parse(text) { return date }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}

/// Buffered line output to a file or standard output.
final class BundleSink: @unchecked Sendable {
    private let handle: FileHandle
    private let ownsHandle: Bool
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        if let path, path != "-" {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]),
                let handle = FileHandle(forWritingAtPath: path)
            else {
                throw CLIError("cannot create \(path)")
            }
            self.handle = handle
            ownsHandle = true
        } else {
            handle = FileHandle.standardOutput
            ownsHandle = false
        }
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ value: JSONValue) throws {
        CanonicalJSON.append(value, to: &buffer)
        buffer.append(0x0A)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch { throw CLIError("cannot write the bundle") }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        try flush()
        if ownsHandle { try? handle.close() }
    }
}

/// Reads a file (or standard input) line by line without loading it whole.
enum LineReader {
    static func forEachLine(path: String, _ body: (ArraySlice<UInt8>) throws(AuditBundleError) -> Void) throws {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot open \(path)") }
            handle = opened
        }
        defer { if path != "-" { try? handle.close() } }
        var pending: [UInt8] = []
        while true {
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { break }
            pending.append(contentsOf: chunk)
            var start = 0
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                try body(pending[start..<newline])
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try body(pending[...]) }
    }
}
