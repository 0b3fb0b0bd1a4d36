/// One dispatched Server-Sent Event.
package struct ServerSentEvent: Sendable, Hashable {
    /// The last event ID when the event was dispatched (an `id:` field of this or an earlier
    /// event); nil when none was ever set or it was reset to empty.
    package var id: String?
    /// The `event:` field; "message" when absent.
    package var event: String
    /// The `data:` lines joined with "\n".
    package var data: String

    package init(id: String?, event: String = "message", data: String) {
        self.id = id
        self.event = event
        self.data = data
    }
}
