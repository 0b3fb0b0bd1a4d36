import SQLiteNIO

/// The one thread a connection's SQLite calls run on, and the executor of the task that holds
/// the connection.
///
/// SQLiteNIO runs every statement on a thread pool and resumes the waiting task from there. With
/// the task on Swift's shared pool, each statement was two thread hand-offs (wake the pool
/// thread, wake a concurrency thread again), a dozen per submit; on two cores those wake-ups,
/// not SQLite, were most of a submit's time. A task that holds the connection runs with this
/// thread as its executor preference (`SQLiteConnectionPool.withConnection`), so the statement
/// and the code between statements take turns on the same thread: a resumed task is queued
/// behind nothing and nobody has to be woken. Only entering and leaving the connection hop.
final class SQLiteThread: TaskExecutor, Sendable {
    /// Also what SQLiteNIO runs the connection's calls on.
    let threadPool = NIOThreadPool(numberOfThreads: 1)

    init() {
        threadPool.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        threadPool.submit { state in
            guard case .active = state else {
                // The thread has stopped (shutdown) and this runs on the caller's thread: a job
                // must still run, so it goes to the shared pool rather than inline.
                globalConcurrentExecutor.enqueue(ExecutorJob(job))
                return
            }
            job.runSynchronously(on: executor)
        }
    }

    func shutdown() async throws {
        try await threadPool.shutdownGracefully()
    }
}
