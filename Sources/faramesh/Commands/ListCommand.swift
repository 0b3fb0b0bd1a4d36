import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore

/// `faramesh list`: actions, newest first, filtered on the server.
struct ListCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List actions, newest first."
    )

    @OptionGroup var global: ClientOptions

    @Flag(help: "Show full action ids.")
    var full = false

    @Option(help: "Only actions with this status (\(ActionStatus.allCases.map(\.rawValue).joined(separator: ", "))).")
    var status: String?

    @Option(help: "Only actions of this tool.")
    var tool: String?

    @Option(name: .customLong("agent"), help: "Only actions of this agent id.")
    var agent: String?

    @Option(help: "Only actions with this risk level (low, medium, high).")
    var risk: String?

    @Option(help: "How many actions (1-1000).")
    var limit = 20

    @Option(help: "Continue after a previous page (the cursor is printed when more actions exist).")
    var cursor: String?

    func validate() throws {
        if let status, ActionStatus(rawValue: status) == nil {
            throw ValidationError(
                "--status must be one of: \(ActionStatus.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        if let risk, RiskLevel(rawValue: risk) == nil { throw ValidationError("--risk must be low, medium or high") }
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be between 1 and 1000") }
    }

    func run() async throws {
        let query = ActionListQuery(
            status: status.flatMap(ActionStatus.init(rawValue:)),
            tool: tool,
            agentID: agent,
            riskLevel: risk.flatMap(RiskLevel.init(rawValue:)),
            limit: limit,
            cursor: cursor
        )
        let page = try await withClient { client in try await client.listActions(query) }
        // The next page's cursor goes to stderr, so stdout stays a plain table or JSON array.
        defer { if let next = page.nextCursor { Terminal.note("More actions: faramesh list --cursor \(next)") } }
        if global.json {
            printJSON(page.actions)
            return
        }
        if page.actions.isEmpty {
            print("No actions.")
            return
        }
        var table = TextTable(header: ["ID", "STATUS", "RISK", "AGENT", "TOOL", "OPERATION", "PARAMS", "CREATED"])
        for action in page.actions {
            table.add([
                ActionFormat.id(action.id, full: full), action.status.rawValue, action.riskLevel.rawValue,
                action.agentID, action.tool, action.operation, ActionFormat.compact(action.params, limit: 50),
                ActionFormat.time(action.createdAt),
            ])
        }
        let terminal = Terminal.stdout
        print(
            table.render { row, column, cell in
                switch column {
                case 1: return terminal.status(page.actions[row].status, padded: cell)
                case 2: return terminal.risk(page.actions[row].riskLevel, padded: cell)
                default: return cell
                }
            },
            terminator: ""
        )
    }
}
