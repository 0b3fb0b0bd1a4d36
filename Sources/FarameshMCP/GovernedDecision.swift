/// What the proxy does with one `tools/call` after asking the gatekeeper.
package enum GovernedDecision: Sendable, Equatable {
    /// Forward the call to the server; the action is started, its result is reported later.
    case run(actionID: String)
    /// Answer the client with these bytes (a `CallToolResult` with `isError`); the tool does not run.
    case respond([UInt8])
}
