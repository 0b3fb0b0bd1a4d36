/// Per-connection deadlines and the connection cap of the HTTP server.
///
/// Every phase of a connection has a deadline except the time the server itself spends
/// answering (bounded by `GatekeeperConfiguration.requestTimeout`) and an established event stream
/// (`GET /v1/events`, which sends heartbeats and is capped by `EventHubConfiguration.maxClients`).
package struct ConnectionLimits: Sendable, Hashable {
    /// A kept-alive connection with no request in progress is closed after this.
    package var idleTimeout: Duration
    /// The whole request head must arrive within this, counted from the first byte of the
    /// request (for the first request of a connection: from the accept).
    package var headerTimeout: Duration
    /// The whole request body must arrive within this, counted from the end of the head.
    /// A body still incomplete is answered `408 REQUEST_TIMEOUT` and the connection closed.
    package var bodyTimeout: Duration
    /// Most open connections that are not event streams. At the cap, a new connection sheds the
    /// oldest one that has not yet sent a complete request (idle, slow head, slow body); when
    /// every connection is busy answering, the new connection is closed at once.
    package var maxConnections: Int

    package init(
        idleTimeout: Duration = .seconds(60),
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(30),
        maxConnections: Int = ConnectionLimits.defaultMaxConnections
    ) {
        self.idleTimeout = idleTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.maxConnections = maxConnections
    }

    package static let defaultMaxConnections = 4_096
    /// Descriptors kept free for the database pool, policy and key files, executors and logs.
    package static let reservedDescriptors = 128

    /// Caps that fit the process's descriptor limit: API connections plus event streams plus
    /// `reservedDescriptors` never exceed `descriptorLimit`, so `accept` does not hit EMFILE.
    package struct Caps: Sendable, Hashable {
        package var maxConnections: Int
        package var maxEventStreams: Int
    }

    /// Why the requested caps cannot be served with this descriptor limit (safe to print).
    package struct CapError: Error, Sendable, CustomStringConvertible {
        package var description: String
    }

    /// Fits the caps to `descriptorLimit` (RLIMIT_NOFILE). Defaults (nil) shrink to fit;
    /// explicit values that do not fit are an error rather than a silent change.
    package static func caps(
        descriptorLimit: Int,
        maxConnections: Int?,
        maxEventStreams: Int?,
        defaultEventStreams: Int = EventHubConfiguration().maxClients
    ) throws(CapError) -> Caps {
        let available = descriptorLimit - self.reservedDescriptors
        guard available >= 2 else {
            throw CapError(
                description:
                    "the file descriptor limit (\(descriptorLimit)) leaves no room for connections; raise `ulimit -n`"
            )
        }
        switch (maxConnections, maxEventStreams) {
        case let (api?, sse?):
            guard api + sse <= available else {
                throw CapError(
                    description:
                        "--max-connections \(api) plus --sse-max-clients \(sse) exceed the \(available) descriptors free under the limit of \(descriptorLimit) (ulimit -n) minus \(self.reservedDescriptors) reserved"
                )
            }
            return Caps(maxConnections: api, maxEventStreams: sse)
        case let (api?, nil):
            guard api < available else {
                throw CapError(
                    description:
                        "--max-connections \(api) does not fit the \(available) descriptors free under the limit of \(descriptorLimit) (ulimit -n) minus \(self.reservedDescriptors) reserved"
                )
            }
            return Caps(maxConnections: api, maxEventStreams: min(defaultEventStreams, available - api))
        case let (nil, sse?):
            guard sse < available else {
                throw CapError(
                    description:
                        "--sse-max-clients \(sse) does not fit the \(available) descriptors free under the limit of \(descriptorLimit) (ulimit -n) minus \(self.reservedDescriptors) reserved"
                )
            }
            return Caps(maxConnections: min(self.defaultMaxConnections, available - sse), maxEventStreams: sse)
        case (nil, nil):
            // Connections get up to half of what is free, event streams the rest (up to their defaults).
            let api = min(self.defaultMaxConnections, available / 2)
            return Caps(maxConnections: api, maxEventStreams: min(defaultEventStreams, available - api))
        }
    }
}
