/// `GET /v1/auth/whoami`: the caller as the server sees it, so a client (the web UI) can show
/// who is signed in and offer only what the role allows.
package struct WhoAmIResponse: Sendable, Hashable, JSONWritable {
    /// Token name; recorded as the actor of the events this caller causes.
    package var name: String
    /// `agent`, `approver` or `admin`.
    package var role: String
    /// True in open local mode (no token configured; every caller is `local`).
    package var local: Bool
    /// Whether the role may approve or deny (approver, admin).
    package var canApprove: Bool

    package init(name: String, role: String, local: Bool, canApprove: Bool) {
        self.name = name
        self.role = role
        self.local = local
        self.canApprove = canApprove
    }

    package init(json: JSONValue) throws(WireValidationError) {
        let r = try FieldReader(json)
        self.name = try r.string("name")
        self.role = try r.string("role")
        self.local = try r.bool("local")
        self.canApprove = try r.bool("can_approve")
    }

    package func write(to w: inout JSONWriter) {
        w.beginObject()
        w.member("name", self.name)
        w.member("role", self.role)
        w.member("local", self.local)
        w.member("can_approve", self.canApprove)
        w.endObject()
    }
}
