/// `provenance_id`: binds a decision to exactly what produced it.
public enum Provenance {
    /// SHA-256 hex of the UTF-8 string `request_hash|policy_hash|profile_hash|runtime_version`,
    /// nil as the empty string (as the original computes it).
    public static func id(
        requestHash: String,
        policyHash: String?,
        profileHash: String?,
        runtimeVersion: String
    ) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(
            requestHash.utf8.count + (policyHash?.utf8.count ?? 0)
                + (profileHash?.utf8.count ?? 0) + runtimeVersion.utf8.count + 3
        )
        out.append(contentsOf: requestHash.utf8)
        out.append(UInt8(ascii: "|"))
        if let policyHash { out.append(contentsOf: policyHash.utf8) }
        out.append(UInt8(ascii: "|"))
        if let profileHash { out.append(contentsOf: profileHash.utf8) }
        out.append(UInt8(ascii: "|"))
        out.append(contentsOf: runtimeVersion.utf8)
        return SHA256Hex.hash(out)
    }
}
