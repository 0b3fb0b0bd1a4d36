import FarameshAPI
import FarameshClient
import FarameshCore
import Logging

/// Asks the gatekeeper about one `tools/call`: submit (bound to the request hash), then start,
/// deny, or hold the call while the action waits for approval.
package final class ToolCallGovernor: Sendable {
    package let settings: GovernorSettings
    let client: any GatekeeperAPI
    let keys: ResumeKeys
    package let reporter: ResultReporter
    let logger: Logger

    package init(client: any GatekeeperAPI, settings: GovernorSettings, logger: Logger) {
        self.client = client
        self.settings = settings
        self.keys = ResumeKeys()
        self.reporter = ResultReporter(client: client, logger: logger)
        self.logger = logger
    }

    /// Decides `call`. `send` writes a message to the client (progress heartbeats while held).
    /// - Throws: `CancellationError` when the client cancelled the call while it was held; the
    ///   action then stays pending and an identical retry resumes it.
    package func decide(
        _ call: ToolCall,
        annotations: JSONValue?,
        client info: ClientInfo?,
        send: @escaping @Sendable ([UInt8]) async -> Void
    ) async throws(CancellationError) -> GovernedDecision {
        if let reserved = ActionMapping.reservedArgument(in: call.arguments) {
            return .respond(DecisionTexts.reservedArgument(call, name: reserved))
        }
        let request = self.settings.mapping.submission(for: call, annotations: annotations, client: info)
        let hash = RequestHash.compute(request.actionRequest)
        var nextKey = await self.keys.claim(hash)
        do {
            let decision = try await self.decide(call, request: request, hash: hash, key: &nextKey, send: send)
            await self.keys.release(hash, nextKey: nextKey)
            return decision
        } catch {
            await self.keys.release(hash, nextKey: nextKey)
            throw error
        }
    }

    /// The submit loop; `key` ends as the key the next identical call must use.
    private func decide(
        _ call: ToolCall,
        request: SubmitActionRequest,
        hash: String,
        key nextKey: inout String,
        send: @escaping @Sendable ([UInt8]) async -> Void
    ) async throws(CancellationError) -> GovernedDecision {
        var key = nextKey
        var step = 0
        while true {
            step += 1
            let submission: Submission
            do {
                // An allowed action is started by the submit itself (one round trip, not two)
                // where the gatekeeper supports it; otherwise `/start` follows below.
                submission = try await self.client.submit(request, idempotencyKey: key, startIfAllowed: true)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                return .respond(DecisionTexts.gatekeeperFailed(call, error))
            }
            let action = submission.action
            let successor =
                step < self.settings.maxChainSteps
                ? ResumeKeys.successor(hash, after: action.id) : ResumeKeys.unique(hash)
            if submission.started {
                nextKey = successor
                return .run(actionID: action.id)
            }
            switch action.status {
            case .executing, .succeeded, .failed, .timeout, .expired:
                // The key's action was used by an earlier call: step to the next link.
                key = successor
                nextKey = key
                continue
            case .allowed, .approved:
                switch await self.start(call, action) {
                case .started:
                    nextKey = successor
                    return .run(actionID: action.id)
                case .alreadyStarted:
                    key = successor
                    nextKey = key
                    continue
                case .failed(let bytes):
                    return .respond(bytes)
                }
            case .denied:
                nextKey = successor
                return .respond(
                    DecisionTexts.denied(call, action: action, byApprover: action.decision == .requireApproval)
                )
            case .pendingApproval, .pendingDecision:
                let outcome = try await self.hold(call, action, send: send)
                switch outcome {
                case .run:
                    nextKey = successor
                case .respond(let bytes, let keepKey):
                    if !keepKey { nextKey = successor }
                    return .respond(bytes)
                }
                return .run(actionID: action.id)
            }
        }
    }

    private enum StartOutcome {
        case started, alreadyStarted
        case failed([UInt8])
    }

    private func start(_ call: ToolCall, _ action: ActionResponse) async -> StartOutcome {
        do {
            _ = try await self.client.start(action.id)
            return .started
        } catch let error as FarameshClientError where error.httpStatus == 409 {
            return .alreadyStarted
        } catch {
            return .failed(DecisionTexts.gatekeeperFailed(call, error))
        }
    }

    private enum HoldOutcome {
        case run
        case respond([UInt8], keepKey: Bool)
    }

    /// Waits for a decision on `first`, sending heartbeats when the client gave a progressToken,
    /// until it is approved (then started), decided otherwise, or the hold time is over.
    private func hold(
        _ call: ToolCall,
        _ first: ActionResponse,
        send: @Sendable ([UInt8]) async -> Void
    ) async throws(CancellationError) -> HoldOutcome {
        let clock = ContinuousClock()
        let deadline = clock.now + self.settings.hold
        var nextBeat = clock.now + self.settings.heartbeat
        var beats = 0
        var latest = first
        while true {
            if let token = call.progressToken, clock.now >= nextBeat {
                beats += 1
                nextBeat = clock.now + self.settings.heartbeat
                let left = max(0, Int((deadline - clock.now).components.seconds))
                let message =
                    "Waiting for approval of Faramesh action \(first.id) at \(self.settings.approvalURL(first.id)) (held \(left)s more)"
                if let bytes = ProxyMessages.progress(token: token, progress: Double(beats), message: message) {
                    await send(bytes)
                }
            }
            if clock.now >= deadline {
                return .respond(DecisionTexts.pending(call, action: latest, settings: self.settings), keepKey: true)
            }
            let wake = min(deadline, nextBeat, clock.now + self.settings.pollInterval)
            do {
                try await Task.sleep(until: wake, clock: clock)
            } catch {
                throw CancellationError()
            }
            let current: ActionResponse
            do {
                current = try await self.client.action(first.id)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                // The gatekeeper may come back before the hold ends; nothing runs meanwhile.
                self.logger.warning("reading held action \(first.id) failed: \(error)")
                continue
            }
            latest = current
            switch current.status {
            case .pendingApproval, .pendingDecision:
                continue
            case .approved, .allowed:
                switch await self.start(call, current) {
                case .started: return .run
                case .alreadyStarted: return .respond(DecisionTexts.used(call, action: current), keepKey: false)
                case .failed(let bytes): return .respond(bytes, keepKey: true)
                }
            case .denied:
                return .respond(DecisionTexts.denied(call, action: current, byApprover: true), keepKey: false)
            case .expired, .timeout:
                return .respond(DecisionTexts.expired(call, action: current), keepKey: false)
            case .executing, .succeeded, .failed:
                return .respond(DecisionTexts.used(call, action: current), keepKey: false)
            }
        }
    }
}
