/// How busy a store's connections are, read by the metrics endpoint at scrape time.
///
/// `operationsInFlight` counts store calls that hold a pooled connection or wait for one (each
/// call uses at most one), so `operationsInFlight > connectionLimit` means callers are queueing.
package struct DatabaseUsage: Sendable, Hashable {
    package var operationsInFlight: Int
    /// The most connections the store opens for calls (Postgres pool size; SQLite writer + readers).
    package var connectionLimit: Int

    package init(operationsInFlight: Int, connectionLimit: Int) {
        self.operationsInFlight = operationsInFlight
        self.connectionLimit = connectionLimit
    }
}
