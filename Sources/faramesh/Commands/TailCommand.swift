import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore
import Foundation

/// `faramesh tail`: follows the live event stream (SSE), reconnecting with backoff and resuming
/// with `Last-Event-ID` so no event is missed or repeated.
struct TailCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Stream live action events (Ctrl-C to stop)."
    )

    @OptionGroup var global: ClientOptions

    @Option(name: .customLong("last-event-id"), help: "Resume after this event id (seq) instead of starting from now.")
    var lastEventID: String?

    @Option(help: "Stop after this many events.")
    var count: Int?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    /// A one-line summary of an event's data (`[HH:MM:SS] status  id | tool | operation`).
    /// Understands the original's envelope `{"type","data":{...},"timestamp"}` and flat
    /// event objects (`action_id`, `event_type`, `created_at`, …).
    static func summary(_ event: ServerSentEvent) -> String {
        let json = try? JSONParser.parse(event.data)
        let inner =
            json?["data"]?.objectValue.map(JSONValue.object) ?? json?["action"]?.objectValue.map(JSONValue.object)
        func field(_ names: String...) -> String? {
            for name in names {
                if let value = inner?[name]?.stringValue ?? json?[name]?.stringValue { return value }
            }
            return nil
        }
        let time = field("timestamp", "created_at", "updated_at").flatMap(ActionFormat.clock) ?? Self.nowClock()
        let status = field("status", "event_type", "type") ?? event.event
        let id = field("action_id", "id").map { ActionFormat.id($0) } ?? "-"
        let tool = field("tool") ?? "-"
        let operation = field("operation") ?? "-"
        guard json != nil else {
            return
                "[\(TerminalText.visible(time))] \(TerminalText.visible(event.event))  \(ActionFormat.truncate(event.data, limit: 120))"
        }
        let line =
            "[\(time)] \(status.padding(toLength: max(status.count, 17), withPad: " ", startingAt: 0)) \(id) | \(tool) | \(operation)"
        return TerminalText.visible(line)
    }

    static func nowClock() -> String {
        ActionFormat.clock(WireTimestamp.format(Date())) ?? "--:--:--"
    }

    static func json(_ event: ServerSentEvent) -> JSONValue {
        .object([
            "id": event.id.map(JSONValue.string) ?? .null,
            "event": .string(event.event),
            "data": (try? JSONParser.parse(event.data)) ?? .string(event.data),
        ])
    }

    func run() async throws {
        let configuration = try ClientSettings.resolve(global, SettingsSource.current())
        let (json, limit, resume) = (global.json, count, lastEventID)
        if !json { Terminal.note("Streaming events from \(configuration.baseURL) (Ctrl-C to stop)...") }
        try await FarameshClient.withClient(configuration) { client in
            var received = 0
            for try await element in client.eventStream(lastEventID: resume) {
                switch element {
                case .connected(let lastID):
                    if let lastID { Terminal.note("connected, resuming after event \(lastID)") }
                case .disconnected(let reason, let delay):
                    Terminal.note("connection lost (\(reason)); reconnecting in \(ActionFormat.duration(delay))")
                case .event(let event):
                    print(json ? TerminalText.json(CanonicalJSON.string(Self.json(event))) : Self.summary(event))
                    fflush(nil)
                    received += 1
                    if let limit, received >= limit { return }
                }
            }
        }
    }
}
