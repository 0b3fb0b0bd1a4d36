/// The OpenAPI 3.1 description of this service, served at `/openapi.yaml`. It is the single
/// source of truth for the HTTP contract: the tests parse it and check the server against it,
/// and CI runs schemathesis against the live server with it.
enum OpenAPIDocument {
    static let bytes: [UInt8] = Array(yaml.utf8)

    /// Members of the action object, shared by `Action` and `ActionListItem` (which must not
    /// carry `approval_token`: `not: {required: [approval_token]}`).
    private static let actionProperties = #"""
        id: {type: string, format: uuid}
        agent_id: {type: string}
        tool: {type: string}
        operation: {type: string}
        params: {type: object}
        context: {type: object}
        status: {$ref: "#/components/schemas/ActionStatus"}
        decision: {$ref: "#/components/schemas/Decision"}
        reason: {$ref: "#/components/schemas/NullableString"}
        risk_level: {$ref: "#/components/schemas/RiskLevel"}
        approval_token:
          type: [string, "null"]
          description: Single-use approval capability while pending; null for agent tokens and when not pending.
        approval_expires_at:
          type: [string, "null"]
          format: date-time
        policy_version: {$ref: "#/components/schemas/NullableString"}
        created_at: {type: string, format: date-time}
        updated_at: {type: string, format: date-time}
        js_example: {type: string, description: "What to call next for this action with the Node SDK (@faramesh/sdk); never holds a token."}
        python_example: {type: string, description: "What to call next for this action with the Python SDK (faramesh); never holds a token."}
        outcome: {$ref: "#/components/schemas/Outcome"}
        reason_code: {type: string}
        reason_details:
          type: object
          additionalProperties: false
          required: [risk_level]
          properties:
            risk_level: {$ref: "#/components/schemas/RiskLevel"}
        request_hash: {$ref: "#/components/schemas/Hash"}
        policy_hash: {$ref: "#/components/schemas/NullableString"}
        runtime_version: {$ref: "#/components/schemas/NullableString"}
        profile_id: {$ref: "#/components/schemas/NullableString"}
        profile_version: {$ref: "#/components/schemas/NullableString"}
        profile_hash: {$ref: "#/components/schemas/NullableString"}
        provenance_id: {$ref: "#/components/schemas/NullableString"}
"""#

    static let yaml = #"""
openapi: 3.1.0
info:
  title: Faramesh
  version: 0.3.0
  summary: Execution gatekeeper for AI agents.
  description: |
    Agents submit every tool call; a YAML policy decides allow / deny / require_approval, a risk
    level is attached, risky calls wait for a human, and every step lands in a hash-chained
    audit log. Wire-compatible with Faramesh Core v0.3 (`faramesh-sdk` 0.3.3 works unchanged).

    Authentication: `Authorization: Bearer <token>`. Roles: `agent` (submit, read, start,
    report results, decide), `approver` (+ approve/deny), `admin` (everything). Agents never
    see approval tokens. A token acts only as the agent ids it was created for (its own name
    by default, `faramesh token create --agent-id ID`; admins as any): another `agent_id` is
    403 `AGENT_ID_MISMATCH`, and agent tokens see only those agents' actions. Without any
    token configured the server runs in open local mode (loopback `Host` names only).

    Every POST needs `Content-Type: application/json` (415 otherwise), even with an empty body.

    Every error body is `{"detail": "...", "code": "..."}`, plus `field` for validation
    errors, `current_status` for illegal transitions and `matches` for ambiguous id prefixes;
    malformed HTTP is a 400 `BAD_REQUEST` and a request head or body that does not arrive in
    time a 408 `REQUEST_TIMEOUT`, both closing the connection. Every `GET` route also answers
    `HEAD` (same status and headers, no body). Every response carries
    `X-Content-Type-Options: nosniff`, and `Strict-Transport-Security` when the server serves TLS.
servers:
  - url: /
security:
  - bearerAuth: []
tags:
  - name: actions
  - name: gate
  - name: policy
  - name: events
  - name: auth
  - name: ledger
    description: |
      The tamper-evident audit ledger: every event gets a gap-free position in an RFC 6962 Merkle
      tree and a global hash chain; Ed25519-signed checkpoints commit to both. Proofs let anyone
      holding the public key check an event or the ledger's growth without trusting the database.
  - name: operations
paths:
  /health:
    get:
      tags: [operations]
      operationId: health
      summary: Liveness (no dependency checks).
      security: []
      responses:
        "200":
          description: The process is alive.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Health"}
  /ready:
    get:
      tags: [operations]
      operationId: ready
      summary: Readiness (database, migrations, policy; false once shutdown began).
      security: []
      responses:
        "200":
          description: Ready to serve.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Readiness"}
        "503":
          description: Not ready; `checks` says which check failed.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Readiness"}
  /metrics:
    get:
      tags: [operations]
      operationId: metrics
      summary: Prometheus metrics (text exposition 0.0.4).
      description: |
        Needs an admin token unless the server runs with `--metrics-public`. Besides the
        `faramesh_*` series of this server it exports the compatibility series of Faramesh Core
        0.3: `faramesh_requests_total`, `faramesh_errors_total`, `faramesh_actions_total` and
        `faramesh_action_duration_seconds`.
      security:
        - {}
        - bearerAuth: []
      responses:
        "200":
          description: Metrics in Prometheus text format.
          content:
            text/plain:
              schema: {type: string}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /openapi.yaml:
    get:
      tags: [operations]
      operationId: openapi
      summary: This document.
      security: []
      responses:
        "200":
          description: The OpenAPI document.
          content:
            application/yaml:
              schema: {type: string}
  /v1/actions:
    post:
      tags: [actions]
      operationId: submitAction
      summary: Submit an action; the policy decides and the action is recorded.
      description: |
        Returns 200 (not 201) with the recorded action, as the original does. `allowed` and
        `denied` are final decisions; `pending_approval` waits for a human until
        `approval_expires_at`, then becomes `expired` (never approved automatically).

        Optional header `Idempotency-Key` (1 to 255 visible ASCII characters): a retry with the
        same key and the same request returns the stored action; the same key with a different
        request is rejected with 422 `IDEMPOTENCY_CONFLICT`. Keys are kept at least 24 hours.

        Optional header `Faramesh-Start: if-allowed` (sent by `faramesh mcp-proxy`): when the
        action is `allowed` (or, on a retry, `approved`) it is also started, exactly as
        `POST /v1/actions/{id}/start` would, and the answer (status `executing`) carries
        `Faramesh-Started: true`. Otherwise (another state, or server-side executors are
        configured) the action is returned as without the header, and the client calls `/start`.
      parameters:
        - name: Faramesh-Start
          in: header
          required: false
          schema: {type: string, enum: [if-allowed]}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ActionRequest"}
      responses:
        "200":
          description: The recorded action (`approval_token` is null for agent tokens).
          headers:
            Faramesh-Started:
              description: '`true` when this request started the action (`Faramesh-Start: if-allowed`).'
              schema: {type: string, enum: ["true"]}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Action"}
          links:
            GetAction:
              operationId: getAction
              parameters: {id: "$response.body#/id"}
            GetActionEvents:
              operationId: getActionEvents
              parameters: {id: "$response.body#/id"}
            DecideApproval:
              operationId: decideApproval
              parameters: {id: "$response.body#/id"}
            StartAction:
              operationId: startAction
              parameters: {id: "$response.body#/id"}
            ReportResult:
              operationId: reportResult
              parameters: {id: "$response.body#/id"}
        "400": {$ref: "#/components/responses/MalformedJSON"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
    get:
      tags: [actions]
      operationId: listActions
      summary: List actions, newest first.
      description: |
        A bare JSON array (client compatibility). List entries never carry `approval_token`.
        When more rows may follow, the response has an `X-Next-Cursor` header and a
        `Link: <...>; rel="next"` header; pass the cursor back as `cursor` for keyset paging.
        A page holds at most `limit` rows and about 4 MiB of JSON: a page of large actions may
        end before `limit` with a next cursor (one action always fits). Query parameters other
        than those listed are a 422 naming the parameter.
      parameters:
        - name: limit
          in: query
          schema: {type: integer, minimum: 1, maximum: 1000, default: 20}
        - name: offset
          in: query
          schema: {type: integer, minimum: 0, maximum: 2147483647, default: 0}
        - name: agent_id
          in: query
          schema: {$ref: "#/components/schemas/Identifier"}
        - name: tool
          in: query
          schema: {$ref: "#/components/schemas/Identifier"}
        - name: status
          in: query
          schema: {$ref: "#/components/schemas/ActionStatus"}
        - name: risk_level
          in: query
          schema: {$ref: "#/components/schemas/RiskLevel"}
        - name: cursor
          in: query
          schema: {$ref: "#/components/schemas/Cursor"}
      responses:
        "200":
          description: One page of actions.
          headers:
            X-Next-Cursor:
              description: Cursor of the next page (absent on the last page).
              schema: {$ref: "#/components/schemas/Cursor"}
            Link:
              description: '`</v1/actions?...&cursor=...>; rel="next"` (absent on the last page).'
              schema: {type: string}
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/ActionListItem"}
        "401": {$ref: "#/components/responses/BadApprovalToken"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/actions/{id}:
    get:
      tags: [actions]
      operationId: getAction
      summary: One action (by id or unique id prefix).
      parameters:
        - $ref: "#/components/parameters/ActionID"
      responses:
        "200":
          description: The action; `approval_token` is shown to approver and admin tokens only.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Action"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/actions/{id}/events:
    get:
      tags: [actions]
      operationId: getActionEvents
      summary: The action's hash-chained timeline, oldest first.
      parameters:
        - $ref: "#/components/parameters/ActionID"
      responses:
        "200":
          description: Events in order; each `prev_hash` is the previous `record_hash`.
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/ActionEvent"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/actions/{id}/approval:
    post:
      tags: [actions]
      operationId: decideApproval
      summary: Approve or deny a pending action (approver or admin tokens only).
      description: |
        Needs the approver or admin role AND the action's approval token (shown to those roles
        by `GET /v1/actions/{id}`). The token holder's name is recorded as the actor. An approver
        cannot decide an action their own token submitted. Late (expired) or repeated decisions
        get 409 with the current status.
      parameters:
        - $ref: "#/components/parameters/ActionID"
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ApprovalRequest"}
      responses:
        "200":
          description: The action after the decision.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Action"}
        "400": {$ref: "#/components/responses/MalformedJSON"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/actions/{id}/start:
    post:
      tags: [actions]
      operationId: startAction
      summary: Mark an allowed or approved action as executing.
      description: >-
        By default the gatekeeper does not run the action; the agent does and reports `/result`.
        When the server is configured with an executor for the action's tool (and operation), the
        answer is still the `executing` action at once; the server then runs the configured
        command (no shell, clean environment, bounded output, timeout) and records `succeeded`,
        `failed` or `timeout` itself with actor `executor`. The `started` event's meta names the
        executor (`executor`, `timeout_ms`); the final event's meta carries `exit_code`, `signal`
        (when killed by one), `stdout`, `stderr`, `stdout_truncated`, `stderr_truncated` and
        `duration_ms`. Poll the action or follow `/v1/events` for the end.
      parameters:
        - $ref: "#/components/parameters/ActionID"
      requestBody:
        # The server also accepts an empty body, as the published client sends it, but only
        # with `Content-Type: application/json` like every POST (415 otherwise).
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/StartRequest"}
      responses:
        "200":
          description: The action, now `executing`.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Action"}
        "400": {$ref: "#/components/responses/MalformedJSON"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/actions/{id}/result:
    post:
      tags: [actions]
      operationId: reportResult
      summary: Report the outcome of an executing, allowed or approved action.
      description: >-
        Accepted from `executing`, `allowed` and `approved` only (never from `pending_approval`).
        For a tool run by a server-side executor the result is recorded by the executor: a
        `/result` while it is `executing` is refused with 409 `ILLEGAL_TRANSITION`
        (`current_status: executing`).
      parameters:
        - $ref: "#/components/parameters/ActionID"
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ResultRequest"}
      responses:
        "200":
          description: The action, now `succeeded` or `failed`.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Action"}
        "400": {$ref: "#/components/responses/MalformedJSON"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
        "409": {$ref: "#/components/responses/Conflict"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/events:
    get:
      tags: [events]
      operationId: streamEvents
      summary: Live updates as Server-Sent Events (every event type, on any replica).
      description: |
        A `text/event-stream` that stays open. Each frame is `id: <event seq>` plus one `data:`
        line holding `{"type": "action.<event_type>", "data": {...}, "timestamp": "..."}`, where
        `data` has `id, status, decision, agent_id, tool, operation, reason, risk_level` and the
        event's `seq`, `event_type`, `event_id`, `actor`, `meta` and `created_at`. Heartbeat comments (`: ping`) keep
        proxies from closing an idle stream. Resume after a disconnect with the `Last-Event-ID`
        header (or `last_event_id`): every event after that id is sent, none twice, on any
        replica. A client that falls too far behind is disconnected and should resume. Filters
        take comma-separated lists (up to 50 values each) and match any of their values.
      parameters:
        - {name: agent_id, in: query, schema: {type: string}, description: "Agent ids (comma-separated)."}
        - {name: tool, in: query, schema: {type: string}, description: "Tools (comma-separated)."}
        - {name: status, in: query, schema: {type: string}, description: "Action statuses right after the event (comma-separated)."}
        - {name: event_type, in: query, schema: {type: string}, description: "Event types (comma-separated)."}
        - {name: action_id, in: query, schema: {type: string}, description: "Full action ids (comma-separated)."}
        - {name: last_event_id, in: query, schema: {type: string, pattern: "^[0-9]{1,19}$"}, description: "Resume after this event id (the header wins)."}
        - {name: Last-Event-ID, in: header, schema: {type: string, pattern: "^[0-9]{1,19}$"}, description: "Resume after this event id."}
      responses:
        "200":
          description: The stream (ends when the client leaves, falls behind, or the replica shuts down).
          content:
            text/event-stream:
              schema: {type: string}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/gate/decide:
    post:
      tags: [gate]
      operationId: gateDecide
      summary: Decide without recording anything.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/ActionRequest"}
      responses:
        "200":
          description: The decision, bound to request, policy, profile and runtime.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/GateDecision"}
        "400": {$ref: "#/components/responses/MalformedJSON"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "413": {$ref: "#/components/responses/TooLarge"}
        "415": {$ref: "#/components/responses/UnsupportedMediaType"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/policy/info:
    get:
      tags: [policy]
      operationId: policyInfo
      summary: The active policy and the result of the last reload.
      responses:
        "200":
          description: Policy information.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/PolicyInfo"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/auth/whoami:
    get:
      tags: [auth]
      operationId: whoAmI
      summary: The caller as the server sees it (token name, role, local mode).
      description: |
        Lets a client (the web UI) show who is signed in and offer only what the role allows.
        The name is what the server records as the actor of this caller's events; an approver
        cannot approve or deny an action whose `created` event has their name as actor.
      responses:
        "200":
          description: The authenticated caller.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/WhoAmI"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/ledger/public-key:
    get:
      tags: [ledger]
      operationId: ledgerPublicKey
      summary: The Ed25519 key this replica signs checkpoints with, and every key that has signed.
      responses:
        "200":
          description: Public keys (base64 of the 32 raw bytes; key id = first 16 hex digits of their SHA-256).
          content:
            application/json:
              schema: {$ref: "#/components/schemas/LedgerKeys"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/ledger/checkpoints:
    get:
      tags: [ledger]
      operationId: ledgerCheckpoints
      summary: Signed checkpoints - the newest, one by tree size or by covered position, or a page.
      parameters:
        - {name: tree_size, in: query, description: Exactly the checkpoint of this tree size., schema: {$ref: "#/components/schemas/LedgerSize"}}
        - {name: position, in: query, description: The first checkpoint that covers this position., schema: {type: integer, minimum: 0, maximum: 999999999999999999}}
        - {name: limit, in: query, description: Page size (newest first)., schema: {type: integer, minimum: 1, maximum: 1000, default: 20}}
        - {name: before, in: query, description: Only checkpoints with a smaller tree size., schema: {$ref: "#/components/schemas/LedgerSize"}}
      responses:
        "200":
          description: The ledger's size, its newest checkpoint and the selected checkpoints.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/LedgerCheckpoints"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/LedgerNotFound"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/ledger/proof/{id}:
    get:
      tags: [ledger]
      operationId: ledgerInclusionProof
      summary: Inclusion proof of an event (by event id or ledger position) against a signed checkpoint.
      parameters:
        - name: id
          in: path
          required: true
          description: An event id, or a ledger position.
          schema: {type: string, pattern: "^([0-9]{1,18}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"}
        - {name: tree_size, in: query, description: Prove against this checkpoint instead of the newest., schema: {$ref: "#/components/schemas/LedgerSize"}}
      responses:
        "200":
          description: The leaf, its RFC 6962 audit path and the checkpoint whose root it leads to.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/LedgerProof"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/LedgerNotFound"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
  /v1/ledger/consistency:
    get:
      tags: [ledger]
      operationId: ledgerConsistencyProof
      summary: RFC 6962 consistency proof that the tree of `from` positions is a prefix of the tree of `to`.
      parameters:
        - {name: from, in: query, required: true, schema: {type: integer, minimum: 0, maximum: 999999999999999999}}
        - {name: to, in: query, description: Default - the newest checkpoint's tree size., schema: {type: integer, minimum: 0, maximum: 999999999999999999}}
      responses:
        "200":
          description: Both roots, the proof, and the signed checkpoints of exactly those sizes where they exist.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/LedgerConsistency"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/LedgerNotFound"}
        "422": {$ref: "#/components/responses/Invalid"}
        "500": {$ref: "#/components/responses/Internal"}
        "503": {$ref: "#/components/responses/Unavailable"}
components:
  securitySchemes:
    bearerAuth:
      type: http
      scheme: bearer
  parameters:
    ActionID:
      name: id
      in: path
      required: true
      description: Full action id, or a prefix of at least 8 hex digits that matches exactly one action.
      schema: {type: string, minLength: 1, maxLength: 64}
  responses:
    MalformedJSON:
      description: The body is not valid JSON (`MALFORMED_JSON`).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Unauthorized:
      description: Missing, malformed or unknown bearer token (`UNAUTHORIZED`).
      headers:
        WWW-Authenticate:
          schema: {type: string, const: Bearer}
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Forbidden:
      description: |
        The token's role may not do this (`FORBIDDEN`), an approver tried to decide their own
        submission (`SELF_APPROVAL_FORBIDDEN`), the body's `agent_id` (or the action's, for
        start and result) is not one the token may act as (`AGENT_ID_MISMATCH`), or, in local
        mode, the `Host` is not a loopback name (`HOST_NOT_ALLOWED`).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    NotFound:
      description: |
        No action with this id or id prefix (`ACTION_NOT_FOUND`). For agent tokens, actions of
        agent ids the token may not act as do not exist either.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Conflict:
      description: |
        The action's status does not allow this (`ILLEGAL_TRANSITION`, with `current_status`),
        or the id prefix matches several actions (`AMBIGUOUS_ID_PREFIX`, with `matches`).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    UnsupportedMediaType:
      description: |
        A POST without `Content-Type: application/json` (`UNSUPPORTED_MEDIA_TYPE`), even with an empty body.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    BadApprovalToken:
      description: |
        The approval token does not match the action's (`INVALID_APPROVAL_TOKEN`), or the bearer
        token is missing or invalid (`UNAUTHORIZED`).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    TooLarge:
      description: Body over 256 KiB, params over 100,000 or context over 10,000 bytes of canonical JSON (`PAYLOAD_TOO_LARGE`).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Invalid:
      description: |
        Wrong type, unknown, missing or out-of-range field or parameter (`VALIDATION_ERROR`, with
        `field`), or an Idempotency-Key reused for a different request (`IDEMPOTENCY_CONFLICT`).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    LedgerNotFound:
      description: |
        No such checkpoint, or the event is not sealed or not covered by a signed checkpoint yet
        (`NOT_FOUND`; `Retry-After` says when to ask again).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Unavailable:
      description: The database is unavailable or the request took too long (`SERVICE_UNAVAILABLE`).
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Internal:
      description: A server bug (`INTERNAL_ERROR`); details are only in the server log.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
  schemas:
    Identifier:
      description: |
        At most 256 characters, no control characters, not blank. Surrounding whitespace is
        trimmed; the trimmed value is stored and hashed.
      type: string
      minLength: 1
      maxLength: 256
      pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff][^\\u0000-\\u001f\\u007f-\\u009f]*$"
    Name:
      description: |
        An `Identifier` that names an agent or a tool: also no invisible format characters
        (Unicode category Cf: bidi controls, zero-width characters, the BOM, tag characters), so
        a list cannot show one name for another. The pattern lists the Cf characters of the
        Basic Multilingual Plane; the server rejects the others (tag characters U+E0001-E007F
        and the like) as well.
      type: string
      minLength: 1
      maxLength: 256
      pattern: "^[^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]*[^\\u0000-\\u0020\\u007f-\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb][^\\u0000-\\u001f\\u007f-\\u009f\\u00ad\\u0600-\\u0605\\u061c\\u06dd\\u070f\\u0890-\\u0891\\u08e2\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u2066-\\u206f\\ufeff\\ufff9-\\ufffb]*$"
    Cursor:
      description: Opaque keyset cursor from `X-Next-Cursor`.
      type: string
      pattern: "^[0-9]{1,16}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    ActionStatus:
      type: string
      enum: [pending_decision, allowed, denied, pending_approval, approved, executing, succeeded, failed, timeout, expired]
    Decision:
      type: string
      enum: [allow, deny, require_approval]
    Outcome:
      type: string
      enum: [EXECUTE, ABSTAIN, HALT]
    RiskLevel:
      type: string
      enum: [low, medium, high]
    EventType:
      type: string
      enum: [created, decision_made, approved, denied, expired, started, succeeded, failed, timeout]
    Hash:
      type: string
      pattern: "^[0-9a-f]{64}$"
    NullableString:
      type: [string, "null"]
    ActionRequest:
      type: object
      additionalProperties: false
      required: [agent_id, tool, operation, params]
      properties:
        agent_id: {$ref: "#/components/schemas/Name"}
        tool: {$ref: "#/components/schemas/Name"}
        operation: {$ref: "#/components/schemas/Identifier"}
        params:
          type: object
          description: Tool parameters, kept exactly as sent (string values are not trimmed).
        context:
          type: [object, "null"]
          description: Extra context; null is stored as {}.
    ApprovalRequest:
      type: object
      additionalProperties: false
      required: [token, approve]
      properties:
        token: {$ref: "#/components/schemas/Identifier"}
        approve: {type: boolean}
        reason:
          type: [string, "null"]
          maxLength: 2000
    ResultRequest:
      type: object
      additionalProperties: false
      required: [success]
      properties:
        success: {type: boolean}
        error:
          type: [string, "null"]
          description: Stored truncated to 4,000 characters (1,000 in `reason`).
    StartRequest:
      type: object
      additionalProperties: false
      maxProperties: 0
      description: "An empty object (or an empty body, still with `Content-Type: application/json`)."
    Action:
      type: object
      additionalProperties: false
      required: [id, agent_id, tool, operation, params, context, status, decision, reason, risk_level,
                 approval_token, approval_expires_at, policy_version, created_at, updated_at, js_example,
                 python_example, outcome, reason_code, reason_details, request_hash, policy_hash,
                 runtime_version, profile_id, profile_version, profile_hash, provenance_id]
      properties:
\#(actionProperties)
    ActionListItem:
      description: An action as listed (no `approval_token` member).
      type: object
      additionalProperties: false
      not: {required: [approval_token]}
      required: [id, agent_id, tool, operation, params, context, status, decision, reason, risk_level,
                 approval_expires_at, policy_version, created_at, updated_at, js_example,
                 python_example, outcome, reason_code, reason_details, request_hash, policy_hash,
                 runtime_version, profile_id, profile_version, profile_hash, provenance_id]
      properties:
\#(actionProperties)
    ActionEvent:
      type: object
      additionalProperties: false
      required: [id, action_id, event_type, meta, created_at, prev_hash, record_hash, seq, actor]
      properties:
        id: {type: string, format: uuid}
        action_id: {type: string, format: uuid}
        event_type: {$ref: "#/components/schemas/EventType"}
        meta: {type: object}
        created_at: {type: string, format: date-time}
        prev_hash:
          anyOf:
            - {$ref: "#/components/schemas/Hash"}
            - {type: "null"}
        record_hash: {$ref: "#/components/schemas/Hash"}
        seq: {type: integer, minimum: 0}
        actor: {type: string}
    GateDecision:
      type: object
      additionalProperties: false
      required: [outcome, decision, reason_code, reason, risk_level, request_hash, policy_version, policy_hash,
                 profile_id, profile_version, profile_hash, runtime_version, provenance_id]
      properties:
        outcome: {$ref: "#/components/schemas/Outcome"}
        decision: {$ref: "#/components/schemas/Decision"}
        reason_code: {type: string}
        reason: {$ref: "#/components/schemas/NullableString"}
        risk_level: {$ref: "#/components/schemas/RiskLevel"}
        request_hash: {$ref: "#/components/schemas/Hash"}
        policy_version: {$ref: "#/components/schemas/NullableString"}
        policy_hash: {$ref: "#/components/schemas/NullableString"}
        profile_id: {$ref: "#/components/schemas/NullableString"}
        profile_version: {$ref: "#/components/schemas/NullableString"}
        profile_hash: {$ref: "#/components/schemas/NullableString"}
        runtime_version: {$ref: "#/components/schemas/NullableString"}
        provenance_id: {$ref: "#/components/schemas/NullableString"}
    WhoAmI:
      type: object
      additionalProperties: false
      required: [name, role, local, can_approve]
      properties:
        name:
          type: string
          description: Token name (`local` in local mode, `bootstrap-admin` for FARAMESH_TOKEN).
        role: {type: string, enum: [agent, approver, admin]}
        local: {type: boolean, description: Open local mode (no token configured).}
        can_approve: {type: boolean}
    PolicyInfo:
      type: object
      additionalProperties: false
      required: [policy_file, policy_path, exists, policy_version, policy_hash, loaded_at, last_reload_error,
                 builtin_default, profile_file, profile_id, profile_hash, hot_reload]
      properties:
        policy_file: {$ref: "#/components/schemas/NullableString"}
        policy_path: {$ref: "#/components/schemas/NullableString"}
        exists: {type: boolean}
        policy_version: {$ref: "#/components/schemas/NullableString"}
        policy_hash: {$ref: "#/components/schemas/NullableString"}
        loaded_at:
          type: [string, "null"]
          format: date-time
        last_reload_error: {$ref: "#/components/schemas/NullableString"}
        builtin_default: {type: boolean}
        profile_file: {$ref: "#/components/schemas/NullableString"}
        profile_id: {$ref: "#/components/schemas/NullableString"}
        profile_hash: {$ref: "#/components/schemas/NullableString"}
        hot_reload: {type: boolean}
    Health:
      type: object
      additionalProperties: false
      required: [status]
      properties:
        status: {type: string, const: healthy}
    Readiness:
      type: object
      additionalProperties: false
      required: [status, checks]
      properties:
        status: {type: string, enum: [ready, not_ready]}
        detail: {type: string}
        code: {type: string, const: NOT_READY}
        checks:
          type: object
          additionalProperties: false
          required: [database, migrations, policy, shutting_down, events]
          properties:
            database: {type: boolean}
            migrations: {type: boolean}
            policy: {type: boolean}
            shutting_down: {type: boolean}
            events: {type: boolean}
    LedgerSize:
      type: integer
      minimum: 1
      maximum: 999999999999999999
    LedgerCheckpoint:
      type: object
      additionalProperties: false
      required: [tree_size, root_hash, chain_hash, signed_at, key_id, signature]
      description: |
        Ed25519 signature (base64) over the canonical JSON of {chain_hash, key_id,
        log: "faramesh-ledger/v1", root_hash, signed_at, tree_size}.
      properties:
        tree_size: {type: integer, minimum: 1}
        root_hash: {$ref: "#/components/schemas/Hash"}
        chain_hash: {$ref: "#/components/schemas/Hash"}
        signed_at: {type: string, format: date-time}
        key_id: {type: string}
        signature: {type: string}
    LedgerCheckpoints:
      type: object
      additionalProperties: false
      required: [size, latest, checkpoints]
      properties:
        size: {type: integer, minimum: 0}
        latest:
          oneOf:
            - {$ref: "#/components/schemas/LedgerCheckpoint"}
            - {type: "null"}
        checkpoints:
          type: array
          items: {$ref: "#/components/schemas/LedgerCheckpoint"}
    LedgerProof:
      type: object
      additionalProperties: false
      required: [leaf, leaf_hash, tree_size, root_hash, audit_path, checkpoint]
      properties:
        leaf:
          type: object
          additionalProperties: false
          description: |
            The leaf's fields; leaf_hash = SHA-256(0x00 || canonical JSON of these fields plus "v":1,
            "request" omitted when null).
          required: [position, seq, event_id, action_id, event_type, actor, record_hash, request]
          properties:
            position: {type: integer, minimum: 0}
            seq: {type: integer}
            event_id: {type: string, format: uuid}
            action_id: {type: string, format: uuid}
            event_type: {type: string}
            actor: {type: string}
            record_hash: {type: string}
            request: {$ref: "#/components/schemas/NullableString"}
        leaf_hash: {$ref: "#/components/schemas/Hash"}
        tree_size: {type: integer, minimum: 1}
        root_hash: {$ref: "#/components/schemas/Hash"}
        audit_path:
          type: array
          items: {$ref: "#/components/schemas/Hash"}
        checkpoint: {$ref: "#/components/schemas/LedgerCheckpoint"}
    LedgerConsistency:
      type: object
      additionalProperties: false
      required: [from, to, from_root, to_root, proof, from_checkpoint, to_checkpoint]
      properties:
        from: {type: integer, minimum: 0}
        to: {type: integer, minimum: 0}
        from_root: {$ref: "#/components/schemas/Hash"}
        to_root: {$ref: "#/components/schemas/Hash"}
        proof:
          type: array
          items: {$ref: "#/components/schemas/Hash"}
        from_checkpoint:
          oneOf:
            - {$ref: "#/components/schemas/LedgerCheckpoint"}
            - {type: "null"}
        to_checkpoint:
          oneOf:
            - {$ref: "#/components/schemas/LedgerCheckpoint"}
            - {type: "null"}
    LedgerKeys:
      type: object
      additionalProperties: false
      required: [algorithm, key_id, public_key, keys]
      properties:
        algorithm: {type: string, const: ed25519}
        key_id: {$ref: "#/components/schemas/NullableString"}
        public_key: {$ref: "#/components/schemas/NullableString"}
        keys:
          type: array
          items:
            type: object
            additionalProperties: false
            required: [key_id, algorithm, public_key, first_used_at, current]
            properties:
              key_id: {type: string}
              algorithm: {type: string, const: ed25519}
              public_key: {type: string}
              first_used_at:
                type: [string, "null"]
                format: date-time
              current: {type: boolean}
    Error:
      type: object
      additionalProperties: false
      required: [detail, code]
      properties:
        detail: {type: string}
        code:
          type: string
          enum: [MALFORMED_JSON, BAD_REQUEST, REQUEST_TIMEOUT, UNAUTHORIZED, FORBIDDEN, SELF_APPROVAL_FORBIDDEN, INVALID_APPROVAL_TOKEN,
                 ACTION_NOT_FOUND, NOT_FOUND, METHOD_NOT_ALLOWED, ILLEGAL_TRANSITION, AMBIGUOUS_ID_PREFIX,
                 PAYLOAD_TOO_LARGE, VALIDATION_ERROR, IDEMPOTENCY_CONFLICT, SERVICE_UNAVAILABLE, NOT_READY,
                 INTERNAL_ERROR, AGENT_ID_MISMATCH, HOST_NOT_ALLOWED, UNSUPPORTED_MEDIA_TYPE]
        field: {type: string}
        current_status: {$ref: "#/components/schemas/ActionStatus"}
        matches:
          type: array
          items: {type: string, format: uuid}
"""#
}
