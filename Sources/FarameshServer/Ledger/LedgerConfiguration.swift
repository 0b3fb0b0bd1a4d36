import Foundation

/// How the audit ledger is sealed and signed (part of `GatekeeperConfiguration`).
package struct LedgerConfiguration: Sendable, Hashable {
    /// Where the Ed25519 signing key comes from. Private keys are never stored in the database.
    package enum KeySource: Sendable, Hashable {
        /// A key generated in memory for this process only (tests and embedding; nothing to
        /// verify against after a restart except the public key recorded in `ledger_keys`).
        case ephemeral
        /// Base64 (or hex) of the 32-byte private key (`FARAMESH_LEDGER_KEY`).
        case inline(String)
        /// A file holding the base64 key. With `createIfMissing`, a missing file gets a new
        /// key (mode 0600, parent directory 0700) and the start-up log says so.
        case file(path: String, createIfMissing: Bool)
    }

    /// Run the sealer on this replica (it still only seals while it holds the role).
    package var sealerEnabled: Bool
    package var keySource: KeySource
    /// A checkpoint at least every this many sealed events…
    package var checkpointEvery: Int
    /// …and at least this often while new events are sealed.
    package var checkpointInterval: Duration
    /// How often the sealer looks for committed events when the last batch found none.
    package var pollInterval: Duration
    /// How soon it looks again after a batch that sealed events but was not full; nil (the
    /// default): `pollInterval`, at most `pollInterval` either way. Under steady load a short
    /// interval keeps batches small: on SQLite a batch's append holds the store's one writer and
    /// its hashing takes a core, and a 100 ms backlog sealed at once (~270 events, ~5 ms)
    /// stalled the submits behind it. `faramesh serve` sets 10 ms on SQLite only: PostgreSQL's
    /// appends do not hold up submits. (At 10 ms on PostgreSQL a sweep under load used to seal
    /// later events of an action before its late-committing earlier ones; sweeps now merge with
    /// the usual batch, and `LedgerSealerTests.concurrentReplicas` runs both stores at 5 ms.)
    package var busyPollInterval: Duration?
    /// Most events per sealing transaction.
    package var batchSize: Int
    /// How often a replica without the role tries to take it.
    package var roleRetryInterval: Duration
    /// How often the holder re-reads every unsealed event (a full anti-join), beyond the seqs it
    /// tracks, so no event is ever skipped however late it commits.
    package var fullSweepInterval: Duration

    package init(
        sealerEnabled: Bool = true,
        keySource: KeySource = .ephemeral,
        checkpointEvery: Int = 1000,
        checkpointInterval: Duration = .seconds(5),
        pollInterval: Duration = .milliseconds(100),
        busyPollInterval: Duration? = nil,
        batchSize: Int = 1000,
        roleRetryInterval: Duration = .seconds(1),
        fullSweepInterval: Duration = .seconds(300)
    ) {
        self.sealerEnabled = sealerEnabled
        self.keySource = keySource
        self.checkpointEvery = max(1, checkpointEvery)
        self.checkpointInterval = checkpointInterval
        self.pollInterval = pollInterval
        self.busyPollInterval = busyPollInterval
        self.batchSize = max(1, batchSize)
        self.roleRetryInterval = roleRetryInterval
        self.fullSweepInterval = fullSweepInterval
    }
}
