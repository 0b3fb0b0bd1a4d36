import FarameshStore
import Hummingbird

/// Who is calling, as established by `AuthMiddleware`.
struct Identity: Sendable, Hashable {
    /// Token name: recorded as the actor of the events this caller causes.
    var name: String
    var role: TokenRole
    /// The open local-mode identity (no token configured).
    var isLocal: Bool

    static let local = Identity(name: "local", role: .admin, isLocal: true)
    static let bootstrapAdmin = Identity(name: "bootstrap-admin", role: .admin, isLocal: false)

    var canApprove: Bool { self.role == .approver || self.role == .admin }
}

/// Per-request state.
struct AppRequestContext: RequestContext {
    /// Largest request body read (`POST /v1/actions` with params at their limit fits easily).
    static let maxBodyBytes = 256 * 1024

    var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` on every authenticated route.
    var identity: Identity?
    /// Set by `HeadAsGetResponder`: a `HEAD` routed as `GET`, whose body is dropped.
    var isHeadRequest = false

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.identity = nil
    }

    var maxUploadSize: Int { Self.maxBodyBytes }

    /// The caller; only nil on public routes, where handlers do not ask.
    func requireIdentity() throws -> Identity {
        guard let identity = self.identity else { throw APIError.unauthorized("Missing bearer token") }
        return identity
    }
}
