import FarameshAPI
import FarameshCore
import Hummingbird
import NIOCore

/// Reading request bodies: size limit first (413), then the strict parser (400), then the
/// caller's typed validation (422).
enum RequestBody {
    /// Reads the whole body, at most `AppRequestContext.maxBodyBytes`.
    static func collect(_ request: inout Request) async throws -> ByteBuffer {
        let limit = AppRequestContext.maxBodyBytes
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw APIError.bodyTooLarge(limit: limit)
        }
        do {
            return try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }

    /// Parses the (already collected) body as JSON. An empty body is a 400 unless `allowEmpty`,
    /// in which case it reads as nil.
    static func json(_ request: inout Request, allowEmpty: Bool = false) async throws -> JSONValue? {
        let buffer = try await self.collect(&request)
        if buffer.readableBytes == 0 || buffer.readableBytesView.allSatisfy(Self.isWhitespace) {
            if allowEmpty { return nil }
            throw APIError(.badRequest, .malformedJSON, "A JSON request body is required")
        }
        do {
            return try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw APIError.malformedJSON(error)
        }
    }

    /// Parses and validates a body into a typed request.
    static func decode<T>(
        _ request: inout Request,
        _ make: (JSONValue) throws(WireValidationError) -> T
    ) async throws -> T {
        guard let json = try await self.json(&request) else {
            throw APIError(.badRequest, .malformedJSON, "A JSON request body is required")
        }
        do {
            return try make(json)
        } catch {
            throw APIError.validation(error)
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
