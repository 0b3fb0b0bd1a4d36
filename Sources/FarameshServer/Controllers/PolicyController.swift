import FarameshAPI
import Hummingbird

/// `GET /v1/policy/info`.
struct PolicyController: Sendable {
    typealias Context = AppRequestContext

    let policy: PolicyRuntime

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("info", use: self.info)
    }

    @Sendable func info(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireIdentity()
        return JSONResponse.make(self.policy.info)
    }
}
