import FarameshAPI
import FarameshClient

/// The gatekeeper calls the proxy makes. Errors are `FarameshClientError`s (a 409 of `start`
/// means the action was already started), or `CancellationError`.
package protocol GatekeeperAPI: Sendable {
    /// `POST /v1/actions`; with `startIfAllowed` (header `Faramesh-Start: if-allowed`) an allowed
    /// or approved action is also started by the same request where the server supports it.
    func submit(
        _ request: SubmitActionRequest,
        idempotencyKey: String?,
        startIfAllowed: Bool
    ) async throws -> Submission
    /// `POST /v1/actions/{id}/start`.
    func start(_ reference: String) async throws -> ActionResponse
    /// `GET /v1/actions/{id}`.
    func action(_ reference: String) async throws -> ActionResponse
    /// `POST /v1/actions/{id}/result`.
    func result(_ reference: String, _ body: ResultRequest) async throws -> ActionResponse
    /// Closes the connections; call once at exit.
    func shutdown() async throws
}

/// The answer to a submission.
package struct Submission: Sendable {
    package var action: ActionResponse
    /// This request also started the action (the server answered `Faramesh-Started: true`).
    package var started: Bool

    package init(action: ActionResponse, started: Bool) {
        self.action = action
        self.started = started
    }
}

/// The CLI's client (AsyncHTTPClient): used for an `https` gatekeeper. It never asks the server
/// to start on submit; the proxy then calls `/start`.
extension FarameshClient: GatekeeperAPI {
    package func submit(
        _ request: SubmitActionRequest,
        idempotencyKey: String?,
        startIfAllowed: Bool
    ) async throws -> Submission {
        Submission(action: try await self.submit(request, idempotencyKey: idempotencyKey), started: false)
    }
}

package enum Gatekeeper {
    /// The proxy's client of `configuration`: keep-alive HTTP/1.1 connections of its own for an
    /// `http` gatekeeper (the common loopback or sidecar case, where every microsecond of an
    /// allowed call counts), the CLI's AsyncHTTPClient-based client for `https`.
    package static func client(_ configuration: FarameshClientConfiguration) -> any GatekeeperAPI {
        if let client = KeepAliveGatekeeper(configuration: configuration) { return client }
        return FarameshClient(configuration: configuration)
    }
}
