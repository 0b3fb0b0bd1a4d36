import FarameshAPI
import FarameshCore
import MCP

/// A JSON-RPC error response the proxy sends itself. Codes are the SDK's (`MCPError`) plus the
/// proxy's own `-32000…-32099` server errors.
package struct JSONRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    package static let parseError = MCPError.parseError(nil).code
    package static let invalidRequest = MCPError.invalidRequest(nil).code
    package static let methodNotFound = MCPError.methodNotFound(nil).code
    package static let invalidParams = MCPError.invalidParams(nil).code
    package static let internalError = MCPError.internalError(nil).code
    /// The upstream MCP server exited, closed its connection or answered something that is not JSON-RPC.
    package static let upstreamFailed = -32002

    package var code: Int
    package var message: String
    /// The id of the request this answers (`null` when it could not be read).
    package var id: JSONValue

    package init(code: Int, message: String, id: JSONValue = .null) {
        self.code = code
        self.message = message
        self.id = id
    }

    package var description: String { "\(self.message) (\(self.code))" }

    /// `{"jsonrpc":"2.0","id":…,"error":{"code":…,"message":…}}`.
    package var bytes: [UInt8] {
        var writer = JSONWriter(reservingCapacity: 128 + self.message.utf8.count)
        writer.beginObject()
        writer.member("jsonrpc", "2.0")
        writer.member("id", json: self.id)
        writer.key("error")
        writer.beginObject()
        writer.member("code", self.code)
        writer.member("message", self.message)
        writer.endObject()
        writer.endObject()
        return writer.bytes
    }
}
