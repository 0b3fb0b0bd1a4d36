import FarameshCore

/// Where a message to the MCP client belongs (Streamable HTTP sends responses and the messages
/// about a request on that request's stream; stdio has one stream for everything).
package enum ClientRoute: Sendable, Hashable {
    /// The response to this request: the last message of its stream.
    case response(JSONValue)
    /// A message about this request (progress), sent before its response.
    case related(JSONValue)
    /// A notification or request of the server that belongs to no client request.
    case unrelated
}

/// The MCP client side of a session.
package protocol ClientChannel: Sendable {
    func send(_ message: [UInt8], route: ClientRoute) async
}

/// What an upstream MCP server produces.
package enum UpstreamEvent: Sendable {
    case message([UInt8])
    /// A line or body that is not a JSON-RPC message (kept for the error text).
    case garbage(String)
    /// The server is gone (exited, closed the stream); no more events follow.
    case closed(String)
}

/// The MCP server side of a session.
package protocol UpstreamChannel: Sendable {
    var events: AsyncStream<UpstreamEvent> { get }
    /// Sends one message; throws when the server cannot take it (gone).
    func send(_ message: [UInt8], kind: JSONRPCMessage.Kind) async throws
    /// Ends the connection (and reaps a child process).
    func close() async
}
