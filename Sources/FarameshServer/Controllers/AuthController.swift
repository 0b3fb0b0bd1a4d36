import FarameshAPI
import FarameshStore
import Hummingbird

/// `GET /v1/auth/whoami`: the authenticated caller (any role).
struct AuthController: Sendable {
    typealias Context = AppRequestContext

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("whoami", use: self.whoami)
    }

    @Sendable func whoami(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        return JSONResponse.make(
            WhoAmIResponse(
                name: identity.name,
                role: identity.role.rawValue,
                local: identity.isLocal,
                canApprove: identity.canApprove
            )
        )
    }
}
