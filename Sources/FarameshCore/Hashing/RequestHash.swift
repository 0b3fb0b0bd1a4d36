/// `request_hash`: SHA-256 hex of the canonical JSON of
/// `{"agent_id","context","operation","params","tool"}`, equal to faramesh-sdk 0.3.3
/// `compute_request_hash` of the same payload.
public enum RequestHash {
    public static func compute(_ request: ActionRequest) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        appendCanonical(request, to: &out)
        return SHA256Hex.hash(out)
    }

    /// The exact bytes that are hashed.
    public static func canonicalBytes(_ request: ActionRequest) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        appendCanonical(request, to: &out)
        return out
    }

    /// Keys are written in code-point order directly, without building an object.
    static func appendCanonical(_ request: ActionRequest, to out: inout [UInt8]) {
        CanonicalJSON.appendLiteral("{\"agent_id\":", to: &out)
        CanonicalJSON.appendString(request.agentID, to: &out)
        CanonicalJSON.appendLiteral(",\"context\":", to: &out)
        CanonicalJSON.append(request.context, to: &out)
        CanonicalJSON.appendLiteral(",\"operation\":", to: &out)
        CanonicalJSON.appendString(request.operation, to: &out)
        CanonicalJSON.appendLiteral(",\"params\":", to: &out)
        CanonicalJSON.append(request.params, to: &out)
        CanonicalJSON.appendLiteral(",\"tool\":", to: &out)
        CanonicalJSON.appendString(request.tool, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}
