/// `GET /v1/policy/info`: which policy is active and how the last reload went.
package struct PolicyInfoResponse: Sendable, Hashable, JSONWritable {
    /// The configured policy file (as given), or nil for the built-in default policy.
    package var policyFile: String?
    /// The absolute path that was read, or nil for the built-in default.
    package var policyPath: String?
    /// Whether `policyPath` exists right now.
    package var exists: Bool
    package var policyVersion: String?
    package var policyHash: String?
    /// When the active policy was loaded.
    package var loadedAt: String?
    /// Why the most recent reload failed (the previous policy stays active), nil after a success.
    package var lastReloadError: String?
    /// True when the built-in safe default policy is active.
    package var builtinDefault: Bool
    package var profileFile: String?
    package var profileID: String?
    package var profileHash: String?
    package var hotReload: Bool

    package init(
        policyFile: String?,
        policyPath: String?,
        exists: Bool,
        policyVersion: String?,
        policyHash: String?,
        loadedAt: String?,
        lastReloadError: String?,
        builtinDefault: Bool,
        profileFile: String? = nil,
        profileID: String? = nil,
        profileHash: String? = nil,
        hotReload: Bool = false
    ) {
        self.policyFile = policyFile
        self.policyPath = policyPath
        self.exists = exists
        self.policyVersion = policyVersion
        self.policyHash = policyHash
        self.loadedAt = loadedAt
        self.lastReloadError = lastReloadError
        self.builtinDefault = builtinDefault
        self.profileFile = profileFile
        self.profileID = profileID
        self.profileHash = profileHash
        self.hotReload = hotReload
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.policyFile = try r.optionalString("policy_file")
        self.policyPath = try r.optionalString("policy_path")
        self.exists = try r.bool("exists")
        self.policyVersion = try r.optionalString("policy_version")
        self.policyHash = try r.optionalString("policy_hash")
        self.loadedAt = try r.optionalString("loaded_at")
        self.lastReloadError = try r.optionalString("last_reload_error")
        self.builtinDefault = try r.optionalBool("builtin_default") ?? false
        self.profileFile = try r.optionalString("profile_file")
        self.profileID = try r.optionalString("profile_id")
        self.profileHash = try r.optionalString("profile_hash")
        self.hotReload = try r.optionalBool("hot_reload") ?? false
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("policy_file", self.policyFile)
        w.member("policy_path", self.policyPath)
        w.member("exists", self.exists)
        w.member("policy_version", self.policyVersion)
        w.member("policy_hash", self.policyHash)
        w.member("loaded_at", self.loadedAt)
        w.member("last_reload_error", self.lastReloadError)
        w.member("builtin_default", self.builtinDefault)
        w.member("profile_file", self.profileFile)
        w.member("profile_id", self.profileID)
        w.member("profile_hash", self.profileHash)
        w.member("hot_reload", self.hotReload)
        w.endObject()
    }
}
