import FarameshAPI
import FarameshCore
import Foundation
import MCP

/// Messages the proxy writes itself: `CallToolResult`s for decisions that do not run the tool,
/// and progress heartbeats. Results and notifications are built from the SDK's types.
package enum ProxyMessages {
    /// The `_meta` key that carries the machine-readable outcome of a governed call.
    package static let metaKey = "dev.faramesh/action"

    /// A `CallToolResult` with `isError: true`, one text block and, when given, `_meta` details.
    package static func errorResult(id: JSONValue, text: String, details: [String: Value]? = nil) -> [UInt8] {
        let meta = details.map { Metadata(additionalFields: [Self.metaKey: .object($0)]) }
        let result = CallTool.Result(
            content: [.text(text: text, annotations: nil, _meta: nil)],
            isError: true,
            _meta: meta
        )
        return self.response(id: id, result: result)
    }

    /// `{"jsonrpc":"2.0","id":…,"result":<encoded result>}`.
    static func response(id: JSONValue, result: some Encodable) -> [UInt8] {
        let encoded: Data
        do {
            encoded = try Self.encoder().encode(result)
        } catch {
            return JSONRPCError(code: JSONRPCError.internalError, message: "Internal error: \(error)", id: id).bytes
        }
        var writer = JSONWriter(reservingCapacity: 64 + encoded.count)
        writer.beginObject()
        writer.member("jsonrpc", "2.0")
        writer.member("id", json: id)
        writer.key("result")
        var bytes = writer.bytes
        bytes.append(contentsOf: encoded)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// `notifications/progress` for `token` (a string or an integer from the request's `_meta`).
    package static func progress(token: JSONValue, progress: Double, message: String) -> [UInt8]? {
        let progressToken: ProgressToken
        switch token {
        case .string(let text): progressToken = .string(text)
        case .int(let number): progressToken = .integer(Int(number))
        default: return nil
        }
        let notification = ProgressNotification.message(
            .init(progressToken: progressToken, progress: progress, total: nil, message: message)
        )
        guard let data = try? Self.encoder().encode(notification) else { return nil }
        return Array(data)
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
