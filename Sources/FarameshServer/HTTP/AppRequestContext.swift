import FarameshCore
import FarameshStore
import Hummingbird

/// Who is calling, as established by `AuthMiddleware`.
struct Identity: Sendable, Hashable {
    /// Token name: recorded as the actor of the events this caller causes, and the scope of
    /// its idempotency keys.
    var name: String
    var role: TokenRole
    /// The open local-mode identity (no token configured).
    var isLocal: Bool
    /// The agent ids this caller may act as; nil: any (admin tokens, local mode).
    var agentScope: AgentScope?

    init(name: String, role: TokenRole, isLocal: Bool, agentScope: AgentScope?) {
        self.name = name
        self.role = role
        self.isLocal = isLocal
        self.agentScope = role == .admin || isLocal ? nil : agentScope
    }

    /// A database token's identity.
    init(token: APIToken) {
        self.init(name: token.name, role: token.role, isLocal: false, agentScope: token.agentScope)
    }

    static let local = Identity(name: "local", role: .admin, isLocal: true, agentScope: nil)
    static let bootstrapAdmin = Identity(name: "bootstrap-admin", role: .admin, isLocal: false, agentScope: nil)

    var canApprove: Bool { self.role == .approver || self.role == .admin }

    /// May submit, gate-decide, start and report results with this agent id.
    func mayActAs(_ agentID: String) -> Bool {
        self.agentScope?.allows(agentID) ?? true
    }

    /// Agent tokens see only the actions of the agent ids they may act as; approvers (who must
    /// see what they approve) and admins see all. nil: no restriction.
    var readScope: AgentScope? {
        self.role == .agent ? self.agentScope : nil
    }

    func maySee(_ action: Action) -> Bool {
        self.readScope?.allows(action.request.agentID) ?? true
    }
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
