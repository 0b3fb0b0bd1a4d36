import FarameshCore

/// One JSON-RPC 2.0 message as the proxy sees it: classified, with the original bytes kept so
/// that everything the proxy does not intercept is relayed byte for byte.
package struct JSONRPCMessage: Sendable {
    package enum Kind: Sendable, Hashable {
        case request(id: JSONValue, method: String)
        case notification(method: String)
        case response(id: JSONValue)
    }

    package let kind: Kind
    /// The message exactly as received (without the stdio line terminator).
    package let bytes: [UInt8]
    package let object: [String: JSONValue]

    package var params: JSONValue? { self.object["params"] }
    package var method: String? {
        switch self.kind {
        case .request(_, let method), .notification(let method): return method
        case .response: return nil
        }
    }

    /// Classifies `bytes`, or throws the JSON-RPC error the sender should get (`-32700` for
    /// text that is not JSON, `-32600` for JSON that is not a single JSON-RPC 2.0 message).
    package init(bytes: [UInt8]) throws(JSONRPCError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes, maxDepth: JSONParser.depthLimit)
        } catch {
            throw JSONRPCError(code: JSONRPCError.parseError, message: "Parse error: \(error.description)")
        }
        guard case .object(let object) = json else {
            if case .array = json {
                throw JSONRPCError(
                    code: JSONRPCError.invalidRequest,
                    message: "Invalid Request: JSON-RPC batches are not supported (MCP 2025-06-18 and later)"
                )
            }
            throw JSONRPCError(
                code: JSONRPCError.invalidRequest,
                message: "Invalid Request: a message must be a JSON object"
            )
        }
        let id = object["id"]
        let usableID: JSONValue? = id.flatMap { Self.isValidID($0) ? $0 : nil }
        guard case .string("2.0")? = object["jsonrpc"] else {
            throw JSONRPCError(
                code: JSONRPCError.invalidRequest,
                message: "Invalid Request: \"jsonrpc\" must be \"2.0\"",
                id: usableID ?? .null
            )
        }
        if let methodValue = object["method"] {
            guard case .string(let method) = methodValue, !method.isEmpty else {
                throw JSONRPCError(
                    code: JSONRPCError.invalidRequest,
                    message: "Invalid Request: \"method\" must be a non-empty string",
                    id: usableID ?? .null
                )
            }
            if let params = object["params"] {
                switch params {
                case .object, .array: break
                default:
                    throw JSONRPCError(
                        code: JSONRPCError.invalidRequest,
                        message: "Invalid Request: \"params\" must be an object or an array",
                        id: usableID ?? .null
                    )
                }
            }
            if let id {
                guard let usableID else {
                    throw JSONRPCError(
                        code: JSONRPCError.invalidRequest,
                        message: "Invalid Request: \"id\" must be a string or an integer"
                    )
                }
                self.kind = .request(id: usableID, method: method)
            } else {
                self.kind = .notification(method: method)
            }
        } else if let usableID, object["result"] != nil || object["error"] != nil {
            self.kind = .response(id: usableID)
        } else {
            throw JSONRPCError(
                code: JSONRPCError.invalidRequest,
                message: "Invalid Request: neither a request, a notification nor a response",
                id: usableID ?? .null
            )
        }
        self.bytes = bytes
        self.object = object
    }

    static func isValidID(_ id: JSONValue) -> Bool {
        switch id {
        case .string, .int: return true
        default: return false
        }
    }
}

extension JSONRPCMessage {
    /// The id of a request, nil for notifications and responses.
    package var requestID: JSONValue? {
        if case .request(let id, _) = self.kind { return id }
        return nil
    }
}
