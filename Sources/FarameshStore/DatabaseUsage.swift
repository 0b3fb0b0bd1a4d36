/// How busy a store's connections are, read by the metrics endpoint at scrape time.
///
/// `operationsInFlight` counts store calls that hold a pooled connection or wait for one (each
/// call uses at most one), so `operationsInFlight > connectionLimit` means callers are queueing.
public struct DatabaseUsage: Sendable, Hashable {
    public var operationsInFlight: Int
    /// The most connections the store opens for calls (Postgres pool size; SQLite writer + readers).
    public var connectionLimit: Int

    public init(operationsInFlight: Int, connectionLimit: Int) {
        self.operationsInFlight = operationsInFlight
        self.connectionLimit = connectionLimit
    }
}
