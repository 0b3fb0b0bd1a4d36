import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore

/// `faramesh events ID`: the action's hash-chained timeline.
struct EventsCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Show an action's event timeline."
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    @Flag(help: "Show full record hashes and untruncated details.")
    var full = false

    func validate() throws { try ActionReference.validate(id) }

    func run() async throws {
        let reference = id
        let (action, events) = try await withClient { client in
            let action = try await ActionReference.resolve(reference, with: client)
            return (action, try await client.events(action.id))
        }
        if global.json {
            printJSON(events)
            return
        }
        print("Event timeline - \(TerminalText.visible(action.id))")
        var table = TextTable(header: ["SEQ", "TIME", "EVENT", "ACTOR", "DETAILS", "RECORD HASH"])
        for event in events {
            table.add([
                String(event.seq), ActionFormat.time(event.createdAt), event.eventType.rawValue, event.actor,
                full ? CanonicalJSON.string(event.meta) : ActionFormat.compact(event.meta, limit: 60),
                full ? event.recordHash : ActionFormat.hash(event.recordHash),
            ])
        }
        print(table.render(), terminator: "")
    }
}
