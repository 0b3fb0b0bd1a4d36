/// `request_hash`: SHA-256 hex of the canonical JSON of
/// `{"agent_id","context","operation","params","tool"}`, equal to faramesh-sdk 0.3.3
/// `compute_request_hash` of the same payload.
public enum RequestHash {
    public static func compute(_ request: ActionRequest) -> String {
        var buffer = CanonicalJSON.Buffer(capacity: 2048)
        encode(request, into: &buffer)
        return SHA256Hex.hashBuffer(UnsafeRawBufferPointer(buffer.bytes))
    }

    /// The exact bytes that are hashed.
    public static func canonicalBytes(_ request: ActionRequest) -> [UInt8] {
        var buffer = CanonicalJSON.Buffer(capacity: 2048)
        encode(request, into: &buffer)
        return Array(buffer.bytes)
    }

    /// Keys are written in code-point order directly, without building an object.
    static func encode(_ request: ActionRequest, into out: inout CanonicalJSON.Buffer) {
        out.write("{\"agent_id\":")
        CanonicalJSON.encodeString(request.agentID, into: &out)
        out.write(",\"context\":")
        CanonicalJSON.encode(request.context, into: &out)
        out.write(",\"operation\":")
        CanonicalJSON.encodeString(request.operation, into: &out)
        out.write(",\"params\":")
        CanonicalJSON.encode(request.params, into: &out)
        out.write(",\"tool\":")
        CanonicalJSON.encodeString(request.tool, into: &out)
        out.write(UInt8(ascii: "}"))
    }
}
