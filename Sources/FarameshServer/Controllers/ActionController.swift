import FarameshAPI
import FarameshCore
import FarameshStore
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1/actions`: submit, list, get, events, approval, start, result.
///
/// Every state change goes through `ActionStore.transition` (one transaction in the store); the
/// handlers only decide who may ask for it and translate the answer.
struct ActionController: Sendable {
    typealias Context = AppRequestContext

    static let maxResultReasonLength = 1_000
    static let maxResultErrorLength = 4_000
    static let maxIdempotencyKeyLength = 255

    let store: any ActionStore
    let policy: PolicyRuntime
    let metrics: ServerMetrics
    let defaultApprovalTimeout: Duration
    let requestTimeout: Duration
    /// Stamps submissions and transitions.
    let clock: any WallClock
    /// Server-side executors; nil (none configured): `/start` only records the state change.
    var executors: ExecutorService? = nil

    var resolver: ActionIDResolver { ActionIDResolver(store: self.store) }

    /// Resolves `{id}` among the actions `identity` may see: anything else is 404, exactly like
    /// an id that does not exist.
    func resolver(for identity: Identity) -> ActionIDResolver {
        ActionIDResolver(store: self.store, scope: identity.readScope)
    }

    func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: self.bounded(self.submit))
        group.get(use: self.bounded(self.list))
        group.get(":id", use: self.bounded(self.get))
        group.get(":id/events", use: self.bounded(self.events))
        group.post(":id/approval", use: self.bounded(self.approval))
        group.post(":id/start", use: self.bounded(self.start))
        group.post(":id/result", use: self.bounded(self.result))
    }

    /// Reads the body first (bounded by size), then runs the handler under the request deadline.
    private func bounded(
        _ handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) -> @Sendable (Request, Context) async throws -> Response {
        let limit = self.requestTimeout
        return { request, context in
            var request = request
            if request.method == .post { _ = try await RequestBody.collect(&request) }
            let buffered = request
            return try await Deadline.run(limit) { try await handler(buffered, context) }
        }
    }

    // MARK: submit

    @Sendable func submit(_ request: Request, context: Context) async throws -> Response {
        let handlerStarted = ContinuousClock.now
        let identity = try context.requireIdentity()
        let idempotencyKey = try Self.idempotencyKey(request.headers)
        var request = request
        let body = try await RequestBody.decode(&request, SubmitActionRequest.init(json:))
        try Self.requireActingAs(body.agentID, identity)
        let actionRequest = body.actionRequest

        let started = ContinuousClock.now
        let decision = self.policy.decide(actionRequest)
        self.metrics.recordDecision(
            outcome: decision.outcome,
            reasonCode: decision.reasonCode,
            duration: ContinuousClock.now - started
        )

        let now = self.clock.now()
        let (action, events) = ActionSubmission.make(
            request: actionRequest,
            decision: decision,
            actor: identity.name,
            at: now,
            defaultApprovalTimeout: self.defaultApprovalTimeout
        )
        // `Faramesh-Start: if-allowed`: an allowed new action is written already started, in the
        // same store commit (one durable write for the client's submit and start).
        let wantsStart = request.headers[Self.startHeader] == "if-allowed" && self.startsWithoutExecutors
        let startedAtOnce =
            wantsStart ? ActionSubmission.startedAtOnce(action, events: events, actor: identity.name, at: now) : nil
        // Keys are per caller: another token replaying (or claiming first) a key gets its own action.
        let result = try await self.store.submit(
            startedAtOnce?.action ?? action,
            events: startedAtOnce?.events ?? events,
            idempotencyKey: idempotencyKey,
            idempotencyScope: identity.name
        )
        // The decision's status: a new action started at once is counted as allowed.
        let decidedStatus = result.created ? action.status : result.action.status
        if result.created { self.metrics.recordSubmission(status: action.status) }
        self.metrics.recordCompatSubmission(
            status: decidedStatus,
            tool: actionRequest.tool,
            operation: actionRequest.operation,
            created: result.created,
            duration: ContinuousClock.now - handlerStarted
        )
        if result.created, startedAtOnce != nil {
            return Self.startedResponse(result.action, for: identity)
        }
        // An idempotent retry returns the stored action: an allowed or approved one is started now.
        if wantsStart, !result.created, let started = try await self.startAfterSubmit(result.action, identity) {
            return Self.startedResponse(started, for: identity)
        }
        return Self.actionResponse(result.action, for: identity)
    }

    /// Opt-in request header of `POST /v1/actions` (a valid token: the unwraps cannot fail).
    static let startHeader = HTTPField.Name("Faramesh-Start")!
    /// `true` on an answer whose action that request started.
    static let startedHeader = HTTPField.Name("Faramesh-Started")!

    /// `Faramesh-Start: if-allowed` (opt-in; `faramesh mcp-proxy` sends it) is honoured only
    /// when no server-side executors are configured (they start actions themselves).
    private var startsWithoutExecutors: Bool {
        self.executors.map({ $0.catalog.isEmpty }) ?? true
    }

    /// An idempotent retry of a `Faramesh-Start: if-allowed` submit: an allowed or approved
    /// action is started exactly as `/start` would. Nil (the client calls `/start`) for other
    /// states or a lost race.
    private func startAfterSubmit(_ action: Action, _ identity: Identity) async throws -> Action? {
        guard action.status == .allowed || action.status == .approved else { return nil }
        let change = TransitionRequest(transition: .start, actor: identity.name, reason: nil, now: self.clock.now())
        do {
            return try await self.store.transition(action.id, change)
        } catch StoreError.illegalTransition {
            return nil
        }
    }

    /// The answer of a submit that also started its action: `Faramesh-Started: true`.
    private static func startedResponse(_ action: Action, for identity: Identity) -> Response {
        var response = Self.actionResponse(action, for: identity)
        response.headers[Self.startedHeader] = "true"
        return response
    }

    /// `403 AGENT_ID_MISMATCH` unless `identity` may act as `agentID` (admins and local mode may
    /// act as anyone; other tokens as their name or their `--agent-id` entries).
    static func requireActingAs(_ agentID: String, _ identity: Identity) throws {
        guard identity.mayActAs(agentID) else {
            throw APIError(
                .forbidden,
                .agentIDMismatch,
                "This token may not act as agent_id '\(agentID)' (it may act as: \(identity.agentScope?.description ?? "any")); create it with --agent-id to allow more"
            )
        }
    }

    // MARK: reads

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let parsed: ListQuery
        do {
            parsed = try ListQuery.parse(rawQuery: request.uri.query)
        } catch {
            throw APIError.validation(error)
        }
        var query = parsed.query
        query.agentScope = identity.readScope
        let page = try await ActionListPage.read(query, from: self.store) { action, writer in
            ActionResponse(action: action, tokenField: .omitted).write(to: &writer)
        }
        var headers: HTTPFields = [:]
        if let next = page.nextCursor {
            headers[Self.nextCursorHeader] = next.encoded
            headers[Self.linkHeader] = "</v1/actions?\(parsed.nextPageQuery(cursor: next))>; rel=\"next\""
        }
        return JSONResponse.make(bytes: page.bytes, headers: headers)
    }

    static let nextCursorHeader = HTTPField.Name.nextCursor
    static let linkHeader = HTTPField.Name.link

    @Sendable func get(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let action = try await self.resolver(for: identity).action(try Self.idParameter(context))
        return Self.actionResponse(action, for: identity)
    }

    @Sendable func events(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let action = try await self.resolver(for: identity).action(try Self.idParameter(context))
        let events = try await self.store.events(actionID: action.id)
        return JSONResponse.make(events.map(ActionEventResponse.init(event:)))
    }

    // MARK: transitions

    @Sendable func approval(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        guard identity.canApprove else {
            throw APIError.forbidden("Only approver or admin tokens can approve or deny actions")
        }
        var request = request
        let body = try await RequestBody.decode(&request, ApprovalRequest.init(json:))
        let verb = body.approve ? "approve" : "deny"
        let action = try await self.resolver.action(try Self.idParameter(context))
        guard action.status == .pendingApproval else {
            throw APIError.illegalTransition(action, attempted: verb)
        }
        if !identity.isLocal {
            let timeline = try await self.store.events(actionID: action.id)
            if let submitted = timeline.first(where: { $0.type == .created }), submitted.actor == identity.name {
                throw APIError.forbidden(
                    "An approver cannot \(verb) an action their own token submitted",
                    code: .selfApproval
                )
            }
        }
        guard let expected = action.approvalToken, Self.constantTimeEqual(expected, body.token) else {
            // 401 as in the original (its client maps it to its auth error); no bearer challenge:
            // the bearer token was fine, the approval capability was not.
            throw APIError(.unauthorized, .invalidApprovalToken, "Invalid approval token")
        }
        let now = self.clock.now()
        // No reason: the state machine records "Approved by human" / "Denied by human".
        let change = TransitionRequest(
            transition: body.approve ? .approve : .deny,
            actor: identity.name,
            reason: body.reason,
            meta: .object(["reason": body.reason.map(JSONValue.string) ?? .null, "approver": .string(identity.name)]),
            now: now
        )
        let updated = try await self.transition(action.id, change, verb: verb)
        self.metrics.recordApprovalWait(
            approved: body.approve,
            wait: .microseconds(
                WireTimestamp.microseconds(now) - WireTimestamp.microseconds(action.createdAt)
            )
        )
        return Self.actionResponse(updated, for: identity)
    }

    @Sendable func start(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        var request = request
        // No body (what the published client sends) or an empty object.
        if let json = try await RequestBody.json(&request, allowEmpty: true) {
            do {
                _ = try FieldReader(json, allowed: [])
            } catch {
                throw APIError.validation(error)
            }
        }
        guard let executors = self.executors, !executors.catalog.isEmpty else {
            let id = try await self.actingID(try Self.idParameter(context), identity)
            let change = TransitionRequest(transition: .start, actor: identity.name, reason: nil, now: self.clock.now())
            let updated = try await self.transition(id, change, verb: "start")
            return Self.actionResponse(updated, for: identity)
        }
        // Tool and operation never change, so the executor chosen here is the one for the stored action.
        let action = try await self.actingAction(try Self.idParameter(context), identity)
        let spec = executors.executor(for: action)
        let meta: JSONValue =
            spec.map {
                .object(["executor": .string($0.name), "timeout_ms": .int(ExecutionReport.milliseconds($0.timeout))])
            } ?? .object([:])
        let change = TransitionRequest(
            transition: .start,
            actor: identity.name,
            reason: nil,
            meta: meta,
            now: self.clock.now()
        )
        let updated = try await self.transition(action.id, change, verb: "start")
        if let spec { executors.launch(updated, spec: spec) }
        return Self.actionResponse(updated, for: identity)
    }

    @Sendable func result(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        var request = request
        let body = try await RequestBody.decode(&request, ResultRequest.init(json:))
        let id: UUID
        var executorName: String?
        if let executors = self.executors, !executors.catalog.isEmpty {
            let action = try await self.actingAction(try Self.idParameter(context), identity)
            id = action.id
            executorName = executors.executor(for: action)?.name
            if let executorName, action.status == .executing {
                throw APIError.executorRun(action, executor: executorName)
            }
        } else {
            id = try await self.actingID(try Self.idParameter(context), identity)
        }
        let error = body.error.map { WireText.truncated($0, maxLength: Self.maxResultErrorLength) }
        let reason =
            body.success
            ? "Execution completed"
            : body.error.map { WireText.truncated($0, maxLength: Self.maxResultReasonLength) } ?? "Execution failed"
        let change = TransitionRequest(
            transition: body.success ? .succeed : .fail,
            actor: identity.name,
            reason: reason,
            meta: .object(["reason": .string(reason), "error": error.map(JSONValue.string) ?? .null]),
            now: self.clock.now(),
            // Executor-run: only before /start (the agent ran it itself), never while the executor runs it.
            allowedFrom: executorName == nil ? nil : [.allowed, .approved]
        )
        let updated: Action
        do {
            updated = try await self.store.transition(id, change)
        } catch StoreError.illegalTransition(let current) {
            if let executorName, current.status == .executing {
                throw APIError.executorRun(current, executor: executorName)
            }
            throw APIError.illegalTransition(current, attempted: "record a result for")
        } catch StoreError.notFound {
            throw APIError.actionNotFound(ActionIDResolver.displayReference(id.uuidString))
        }
        return Self.actionResponse(updated, for: identity)
    }

    /// The action `raw` names, for a start or a result: it must be one `identity` may act for.
    /// Actions it may not see are 404; actions it sees (approvers) but may not act for are 403.
    private func actingAction(_ raw: String, _ identity: Identity) async throws -> Action {
        let action = try await self.resolver(for: identity).action(raw)
        try Self.requireActingAs(action.request.agentID, identity)
        return action
    }

    /// `actingAction`'s id; without an agent scope (admins, local mode) full ids skip the read.
    private func actingID(_ raw: String, _ identity: Identity) async throws -> UUID {
        if identity.agentScope == nil { return try await self.resolver.id(raw) }
        return try await self.actingAction(raw, identity).id
    }

    private func transition(_ id: UUID, _ change: TransitionRequest, verb: String) async throws -> Action {
        do {
            return try await self.store.transition(id, change)
        } catch StoreError.illegalTransition(let current) {
            throw APIError.illegalTransition(current, attempted: verb)
        } catch StoreError.notFound {
            throw APIError.actionNotFound(ActionIDResolver.displayReference(id.uuidString))
        }
    }

    // MARK: helpers

    /// Agents never see approval tokens; approvers and admins do.
    static func tokenField(for identity: Identity) -> ActionResponse.TokenField {
        identity.role == .agent ? .hidden : .shown
    }

    /// One action as `identity` may see it. A response that carries an approval token is
    /// `Cache-Control: no-store`: no browser or proxy cache keeps the capability.
    static func actionResponse(_ action: Action, for identity: Identity) -> Response {
        let response = ActionResponse(action: action, tokenField: Self.tokenField(for: identity))
        let headers: HTTPFields = response.approvalToken == nil ? [:] : [.cacheControl: "no-store"]
        return JSONResponse.make(response, headers: headers)
    }

    static func idParameter(_ context: Context) throws -> String {
        guard let id = context.parameters.get("id") else { throw APIError.actionNotFound("(missing id)") }
        return id
    }

    /// The optional `Idempotency-Key` header: 1–255 visible ASCII characters.
    static func idempotencyKey(_ headers: HTTPFields) throws -> String? {
        guard let key = headers[Self.idempotencyKeyHeader] else { return nil }
        guard !key.isEmpty, key.utf8.count <= Self.maxIdempotencyKeyLength,
            key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
        else {
            throw APIError(
                .unprocessableContent,
                .validationError,
                "Invalid request: Idempotency-Key must be 1 to \(Self.maxIdempotencyKeyLength) visible ASCII characters",
                field: "Idempotency-Key"
            )
        }
        return key
    }

    static let idempotencyKeyHeader = HTTPField.Name.idempotencyKey

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        var difference = UInt8(truncatingIfNeeded: x.count ^ y.count)
        for i in 0..<max(x.count, y.count) {
            difference |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0)
        }
        return difference == 0 && x.count == y.count
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
