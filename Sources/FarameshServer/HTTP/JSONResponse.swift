import FarameshAPI
import Hummingbird
import NIOCore

/// Builds `application/json` responses from `JSONWritable` values without Foundation's encoder.
enum JSONResponse {
    static let contentType = "application/json"

    static func make(
        _ value: some JSONWritable,
        status: HTTPResponse.Status = .ok,
        headers: HTTPFields = [:]
    ) -> Response {
        var writer = JSONWriter()
        value.write(to: &writer)
        return self.make(bytes: writer.bytes, status: status, headers: headers)
    }

    static func make(bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = self.contentType
        fields[.contentLength] = String(bytes.count)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
