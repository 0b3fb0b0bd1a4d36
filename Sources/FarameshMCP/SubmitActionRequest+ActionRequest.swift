import FarameshAPI
import FarameshCore

extension SubmitActionRequest {
    /// The domain request the server derives from this body (`context` null becomes `{}`); the
    /// same mapping as FarameshServer's, so the request hash computed here is the server's.
    var actionRequest: ActionRequest {
        ActionRequest(
            agentID: self.agentID,
            tool: self.tool,
            operation: self.operation,
            params: self.params,
            context: self.context ?? .object([:])
        )
    }
}
