/// What a reconnecting event stream reports.
package enum EventStreamElement: Sendable, Hashable {
    /// A connection is open; `lastEventID` is the `Last-Event-ID` it resumed from (nil: from now).
    case connected(lastEventID: String?)
    /// An event arrived.
    case event(ServerSentEvent)
    /// The connection was lost; the next attempt starts after `retryIn`.
    case disconnected(reason: String, retryIn: Duration)
}
