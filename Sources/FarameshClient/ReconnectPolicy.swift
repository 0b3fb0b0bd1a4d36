/// How an event stream reconnects: exponential backoff from `initialDelay` (or the server's
/// `retry:` value) up to `maximumDelay`, reset after every successful connection.
package struct ReconnectPolicy: Sendable, Hashable {
    package var initialDelay: Duration
    package var maximumDelay: Duration
    /// When true, a failure of the very first connection ends the stream with that error
    /// (a server that is down is reported at once instead of being waited for).
    package var failFirstConnection: Bool

    package init(
        initialDelay: Duration = .milliseconds(500),
        maximumDelay: Duration = .seconds(30),
        failFirstConnection: Bool = true
    ) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.failFirstConnection = failFirstConnection
    }

    /// The delay after `failures` consecutive failed attempts (1 = first failure).
    package func delay(afterFailures failures: Int, serverRetry: Duration?) -> Duration {
        let base = serverRetry ?? self.initialDelay
        var delay = base
        var step = 1
        while step < failures && delay < self.maximumDelay {
            delay = delay * 2
            step += 1
        }
        return min(delay, self.maximumDelay)
    }
}
