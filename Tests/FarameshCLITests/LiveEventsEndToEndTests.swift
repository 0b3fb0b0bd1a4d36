import FarameshAPI
import FarameshClient
import FarameshCore
import Foundation
import Testing

/// `GET /v1/events` of a real `faramesh serve` on both backends (SQLite: the in-process doorbell;
/// PostgreSQL: LISTEN/NOTIFY), read with `FarameshClient.eventStream`: every event type arrives
/// once with its seq as the id, and a reconnect with `Last-Event-ID` resumes without repeats.
@Suite("LiveEventsEndToEnd", .serialized)
struct LiveEventsEndToEndTests {
    /// Reads events until `count` arrived (or fails after `timeout`).
    static func read(
        _ stream: AsyncThrowingStream<EventStreamElement, any Error>,
        count: Int,
        timeout: Duration = .seconds(30)
    ) async throws -> [EventStreamMessage] {
        try await withThrowingTaskGroup(of: [EventStreamMessage].self) { group in
            group.addTask {
                var messages: [EventStreamMessage] = []
                for try await element in stream {
                    if case .event(let event) = element {
                        let message = try EventStreamMessage(json: try JSONParser.parse(Array(event.data.utf8)))
                        #expect(event.id == String(message.data.seq))
                        messages.append(message)
                        if messages.count == count { break }
                    }
                }
                return messages
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw HarnessFailure("timed out waiting for \(count) events")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? []
        }
    }

    @Test(arguments: Backend.allCases)
    func everyEventTypeStreamsAndResumes(_ backend: Backend) async throws {
        try await TestDatabase.with(backend) { database in
            try await RunningServer.with(database) { server in
                try await server.client(token: RunningServer.adminToken) { client in
                    let stream = client.eventStream(query: [("tool", "shell")], lastEventID: "0")
                    let held = try await client.submit(
                        SubmitActionRequest(agentID: "live", tool: "shell", operation: "run")
                    )
                    let token = try #require(held.approvalToken)
                    _ = try await client.submit(SubmitActionRequest(agentID: "live", tool: "http", operation: "get"))
                    try await server.client(token: server.approverToken) { approver in
                        _ = try await approver.approval(
                            held.id,
                            ApprovalRequest(token: token, approve: true, reason: "ok")
                        )
                    }
                    _ = try await client.start(held.id)
                    _ = try await client.result(held.id, ResultRequest(success: false, error: "exit 1"))
                    let messages = try await Self.read(stream, count: 5)
                    #expect(
                        messages.map(\.type) == [
                            "action.created", "action.decision_made", "action.approved",
                            "action.started", "action.failed",
                        ]
                    )
                    #expect(
                        messages.map(\.data.status) == [
                            .pendingApproval, .pendingApproval, .approved, .executing, .failed,
                        ]
                    )
                    #expect(messages.allSatisfy { $0.data.id == held.id && $0.data.tool == "shell" })
                    let seqs = messages.map(\.data.seq)
                    #expect(seqs == seqs.sorted() && Set(seqs).count == 5)

                    // Resume after the approval: exactly the two later events (http ones are filtered out).
                    let resumed = client.eventStream(query: [("tool", "shell")], lastEventID: String(seqs[2]))
                    let rest = try await Self.read(resumed, count: 2)
                    #expect(rest.map(\.data.seq) == Array(seqs[3...]))
                }
            }
        }
    }
}
