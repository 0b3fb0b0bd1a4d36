import ArgumentParser
import FarameshCore
import FarameshStore
import Foundation

/// `faramesh verify-log [ACTION]`: recomputes every per-action hash chain from the database.
struct VerifyLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-log",
        abstract: "Verify the hash chains of one action (id or ≥ 8-char prefix) or of all actions, reading the database directly.")

    @Argument(help: "Action id or prefix; all actions when omitted.")
    var action: String?

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let source = try SettingsSource.current()
        let settings = try DatabaseSettings.resolve(database, source)
        let logger = try CommandLogging.logger("faramesh.verify", level: "warning")
        let target = action
        let report = try await StoreFactory.withStore(settings, logger: logger) { store in
            try await LedgerVerifier(store: store).verify(actionIDOrPrefix: target)
        }
        if json {
            print(CanonicalJSON.string(report.json))
        } else {
            for failure in report.failures {
                print("FAILED action \(failure.actionID.uuidString.lowercased()): \(failure.reason)")
            }
            print(report.failures.isEmpty
                  ? "OK: \(report.actions) action(s), \(report.events) event(s), every chain intact"
                  : "FAILED: \(report.failures.count) of \(report.actions) action(s) have a broken chain")
        }
        if !report.failures.isEmpty { throw ExitCode(1) }
    }
}

/// Walks actions page by page and checks each one's event chain against the action row.
struct LedgerVerifier: Sendable {
    let store: any ActionStore

    struct Failure: Sendable {
        var actionID: UUID
        var reason: String
    }

    struct Report: Sendable {
        var actions = 0
        var events = 0
        var failures: [Failure] = []

        var json: JSONValue {
            .object([
                "ok": .bool(failures.isEmpty), "actions": .int(Int64(actions)), "events": .int(Int64(events)),
                "failures": .array(failures.map {
                    .object(["action_id": .string($0.actionID.uuidString.lowercased()), "reason": .string($0.reason)])
                }),
            ])
        }
    }

    func verify(actionIDOrPrefix: String?) async throws -> Report {
        var report = Report()
        if let text = actionIDOrPrefix {
            let action = try await resolve(text)
            try await check(action, into: &report)
            return report
        }
        var cursor: ActionCursor?
        repeat {
            let page = try await store.list(ActionQuery(limit: 500, cursor: cursor))
            for action in page.actions { try await check(action, into: &report) }
            cursor = page.nextCursor
        } while cursor != nil
        return report
    }

    private func resolve(_ text: String) async throws -> Action {
        let lowered = text.lowercased()
        if let id = UUID(uuidString: lowered), let action = try await store.action(id: id) { return action }
        guard lowered.count >= 8, lowered.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw ValidationError("'\(text)' is not an action id or a prefix of at least 8 hex characters")
        }
        let matches = try await store.actions(idPrefix: lowered, limit: 10)
        switch matches.count {
        case 0: throw ValidationError("no action matches '\(text)'")
        case 1: return matches[0]
        default:
            throw ValidationError("'\(text)' is ambiguous: " + matches.map { $0.id.uuidString.lowercased() }.joined(separator: ", "))
        }
    }

    private func check(_ action: Action, into report: inout Report) async throws {
        let events = try await store.events(actionID: action.id)
        report.actions += 1
        report.events += events.count
        if let reason = Self.problem(action: action, events: events) {
            report.failures.append(Failure(actionID: action.id, reason: reason))
        }
    }

    /// Nil when the chain is intact and ends where the action row says it ends.
    static func problem(action: Action, events: [ActionEvent]) -> String? {
        guard !events.isEmpty else { return "the action has no events" }
        if case .broken(let index, let eventID, let reason) = EventChain.verify(events) {
            return "event #\(index) (\(eventID.uuidString.lowercased())): \(reason)"
        }
        if let other = events.first(where: { $0.actionID != action.id }) {
            return "event \(other.id.uuidString.lowercased()) belongs to another action"
        }
        guard events[0].type == .created else { return "the first event is \(events[0].type.rawValue), not created" }
        if events.last?.recordHash != action.lastEventHash {
            return "the newest event's record_hash does not match the action row (events deleted or appended)"
        }
        return nil
    }
}
