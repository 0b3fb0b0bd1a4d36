import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore

/// `faramesh logs ID`: the action's status transitions, derived from its event timeline.
struct LogsCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Show an action's status transitions (who, when, why)."
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    func validate() throws { try ActionReference.validate(id) }

    /// One status change.
    struct Transition {
        var at: String
        var event: ActionEventType
        /// The status the event led to ("submitted" for `created`).
        var status: String
        var actor: String
        var detail: String?

        var json: JSONValue {
            .object([
                "at": .string(at), "event": .string(event.rawValue), "status": .string(status),
                "actor": .string(actor), "detail": detail.map(JSONValue.string) ?? .null,
            ])
        }
    }

    static func transitions(_ events: [ActionEventResponse]) -> [Transition] {
        events.map { event in
            let meta = event.meta
            let status: String
            var detail: String?
            switch event.eventType {
            case .created:
                status = "submitted"
            case .decisionMade:
                let outcome = meta["outcome"]?.stringValue.flatMap(DecisionOutcome.init(rawValue:))
                switch outcome {
                case .execute?: status = ActionStatus.allowed.rawValue
                case .halt?: status = ActionStatus.denied.rawValue
                case .abstain?: status = ActionStatus.pendingApproval.rawValue
                case nil: status = "decided"
                }
                detail = [meta["reason_code"]?.stringValue, meta["reason"]?.stringValue].compactMap { $0 }.joined(
                    separator: ": "
                )
            case .approved: status = ActionStatus.approved.rawValue
            case .denied: status = ActionStatus.denied.rawValue
            case .expired: status = ActionStatus.expired.rawValue
            case .started: status = ActionStatus.executing.rawValue
            case .succeeded: status = ActionStatus.succeeded.rawValue
            case .failed: status = ActionStatus.failed.rawValue
            case .timeout: status = ActionStatus.timeout.rawValue
            }
            if detail == nil || detail?.isEmpty == true {
                detail = meta["reason"]?.stringValue ?? meta["error"]?.stringValue
            }
            return Transition(
                at: event.createdAt,
                event: event.eventType,
                status: status,
                actor: event.actor,
                detail: detail
            )
        }
    }

    func run() async throws {
        let reference = id
        let (action, events) = try await withClient { client in
            let action = try await ActionReference.resolve(reference, with: client)
            return (action, try await client.events(action.id))
        }
        let transitions = Self.transitions(events)
        if global.json {
            print(
                TerminalText.json(
                    CanonicalJSON.string(
                        .object([
                            "action_id": .string(action.id), "status": .string(action.status.rawValue),
                            "transitions": .array(transitions.map(\.json)),
                        ])
                    )
                )
            )
            return
        }
        print("Status transitions - \(TerminalText.visible(action.id)) (now \(Terminal.stdout.status(action.status)))")
        var table = TextTable(header: ["TIME", "STATUS", "BY", "DETAIL"])
        for t in transitions {
            table.add([ActionFormat.time(t.at), t.status, t.actor, ActionFormat.truncate(t.detail ?? "", limit: 80)])
        }
        let terminal = Terminal.stdout
        print(
            table.render { row, column, cell in
                guard column == 1, let status = ActionStatus(rawValue: transitions[row].status) else { return cell }
                return terminal.status(status, padded: cell)
            },
            terminator: ""
        )
    }
}
