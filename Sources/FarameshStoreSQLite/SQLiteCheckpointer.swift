import Logging
import SQLiteNIO
import Synchronization

/// Copies the WAL back into the database file off the commits, so no commit waits for it.
///
/// By default SQLite checkpoints inside the `COMMIT` that takes the WAL past 1,000 pages: that
/// commit copies the pages and syncs the database file before it returns. On a disk that was a
/// 2–5 ms stall every ~27 allowed calls (two commits each), the largest part of a submit's p99.
/// The writer runs with `wal_autocheckpoint = 0` instead, and every `interval` while anything
/// was committed this
/// 1. runs a PASSIVE checkpoint on a connection of its own: it copies the bulk of the frames
///    while commits go on (it never takes the write lock and never waits);
/// 2. then, holding the writer for a moment (queued like any write), runs a second PASSIVE
///    checkpoint, which has only the frames committed since step 1 to copy. With no commit in
///    between it completes, and that is what lets the writer's next transaction rewind the WAL
///    to its start: a checkpoint racing commits never completes, and the WAL would grow
///    without end.
/// Frames a reader still needs are left for the next round. Durability does not change: a
/// commit is synced to the WAL before it returns, checkpointed or not.
final class SQLiteCheckpointer: Sendable {
    private let connection: SQLiteConnection
    private let thread: SQLiteThread
    private let writer: SQLiteConnectionPool
    private let interval: Duration
    private let logger: Logger
    private let commits = Atomic<UInt64>(0)
    private let rounds = Atomic<Int>(0)
    private let loop = Mutex<Task<Void, Never>?>(nil)

    init(
        connection: SQLiteConnection,
        thread: SQLiteThread,
        writer: SQLiteConnectionPool,
        interval: Duration,
        logger: Logger
    ) {
        self.connection = connection
        self.thread = thread
        self.writer = writer
        self.interval = interval
        self.logger = logger
    }

    /// Rounds the loop has run, busy ones included (tests).
    var completedRounds: Int { rounds.load(ordering: .relaxed) }

    /// Called after every commit of the writer.
    func noteCommit() {
        commits.add(1, ordering: .relaxed)
    }

    func start() {
        loop.withLock { loop in
            guard loop == nil else { return }
            loop = Task { [self] in
                var checkpointed: UInt64 = 0
                var failing = false
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { return }
                    let committed = commits.load(ordering: .relaxed)
                    guard committed != checkpointed else { continue }
                    do {
                        // Busy: another checkpoint was running (this round is not complete).
                        let bulk = try await checkpoint()
                        let last = try await finish()
                        if !bulk.busy && !last.busy { checkpointed = committed }
                        rounds.add(1, ordering: .relaxed)
                        if failing { logger.notice("WAL checkpoints work again") }
                        failing = false
                    } catch {
                        if Task.isCancelled { return }
                        // The WAL keeps growing until a round succeeds; said once, not every round.
                        if !failing {
                            logger.warning(
                                "WAL checkpoint failed; retrying",
                                metadata: ["error": "\(String(describing: error))"]
                            )
                        }
                        failing = true
                    }
                }
            }
        }
    }

    /// Step 1, concurrent with commits: one PASSIVE checkpoint on the checkpointer's connection.
    @discardableResult
    func checkpoint() async throws -> CheckpointOutcome {
        try await withTaskExecutorPreference(thread) { try await Self.passiveCheckpoint(connection) }
    }

    /// Step 2, holding the writer: copies the frames committed since step 1 and so completes.
    @discardableResult
    func finish() async throws -> CheckpointOutcome {
        try await writer.withConnection { conn in try await Self.passiveCheckpoint(conn) }
    }

    /// Ends the loop and closes the connection (before the writer's close, which checkpoints
    /// what is left).
    func stop() async throws {
        let task = loop.withLock { loop in
            defer { loop = nil }
            return loop
        }
        task?.cancel()
        await task?.value
        try await connection.close()
    }

    /// What `PRAGMA wal_checkpoint(PASSIVE)` answered: `busy` when another checkpoint was
    /// running (then `log` and `copied` are -1), else the WAL's frames and how many are copied.
    struct CheckpointOutcome: Sendable, Equatable {
        var busy: Bool
        var log: Int
        var copied: Int
    }

    private static func passiveCheckpoint(_ conn: SQLiteConnection) async throws -> CheckpointOutcome {
        let row = try await SQLiteRunner.rows(conn, "PRAGMA wal_checkpoint(PASSIVE)").first
        let values = row?.columns.map { $0.data.integer ?? -1 } ?? []
        guard values.count == 3 else { return CheckpointOutcome(busy: true, log: -1, copied: -1) }
        return CheckpointOutcome(busy: values[0] != 0, log: values[1], copied: values[2])
    }
}
