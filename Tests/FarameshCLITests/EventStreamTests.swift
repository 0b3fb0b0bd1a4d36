import FarameshClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

/// A small SSE server (Hummingbird on a real socket) that plays a script per connection and
/// records the `Last-Event-ID` each connection sent.
final class ScriptedEventServer: Sendable {
    /// What one connection answers: status, and frames written before the stream ends.
    struct Answer: Sendable {
        var status: HTTPResponse.Status = .ok
        var frames: [String] = []
        /// Keep the stream open after the frames (until the client goes away).
        var stayOpen = false
    }

    private let script: [Answer]
    private let state = Mutex<(connections: Int, lastEventIDs: [String?])>((0, []))

    init(_ script: [Answer]) { self.script = script }

    var lastEventIDs: [String?] { state.withLock { $0.lastEventIDs } }

    /// Runs the server on a free loopback port while `body` runs.
    func run<T: Sendable>(_ body: @Sendable (_ port: Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("v1/events") { request, _ -> Response in
            let index = self.state.withLock { state -> Int in
                state.lastEventIDs.append(request.headers[HTTPField.Name("Last-Event-ID")!])
                state.connections += 1
                return state.connections - 1
            }
            let answer = index < self.script.count ? self.script[index] : Answer(status: .serviceUnavailable)
            guard answer.status == .ok else {
                return Response(
                    status: answer.status,
                    headers: [.contentType: "application/json"],
                    body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"detail":"scripted","code":"SCRIPTED"}"#))
                )
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream"],
                body: ResponseBody { writer in
                    for frame in answer.frames { try await writer.write(ByteBuffer(string: frame)) }
                    if answer.stayOpen {
                        // Heartbeats until the client goes away (the write then fails) or 10 s pass.
                        for _ in 0..<200 where !Task.isCancelled {
                            try await Task.sleep(for: .milliseconds(50))
                            try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        }
                    }
                    try await writer.finish(nil)
                }
            )
        }
        let port = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "scripted-sse")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                port.continuation.yield(channel.localAddress?.port ?? 0)
                port.continuation.finish()
            },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService()
                return nil
            }
            var iterator = port.stream.makeAsyncIterator()
            guard let bound = await iterator.next(), bound > 0 else {
                throw HarnessFailure("the SSE test server did not start")
            }
            let result = try await body(bound)
            group.cancelAll()
            return result
        }
    }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@Suite("Reconnecting event stream against a real socket")
struct EventStreamTests {
    static let fast = ReconnectPolicy(initialDelay: .milliseconds(20), maximumDelay: .milliseconds(200))

    private static func client(port: Int) throws -> FarameshClientConfiguration {
        FarameshClientConfiguration(
            baseURL: try BaseURL(host: "127.0.0.1", port: port),
            token: "t",
            requestTimeout: .seconds(5)
        )
    }

    @Test func reconnectsAndResumesWithLastEventID() async throws {
        let server = ScriptedEventServer([
            .init(frames: [": hello\n\n", "retry: 30\n", "id: 1\ndata: {\"n\":1}\n\n", "id: 2\ndata: {\"n\":2}\n\n"]),
            .init(frames: ["id: 3\nevent: action.updated\ndata: {\"n\":3}\n\n"]),
            .init(frames: ["id: 4\ndata: {\"n\":4}\n\n"], stayOpen: true),
        ])
        let elements = try await server.run { port in
            try await FarameshClient.withClient(try Self.client(port: port)) { client in
                var seen: [EventStreamElement] = []
                var events = 0
                for try await element in client.eventStream(reconnect: Self.fast) {
                    seen.append(element)
                    if case .event = element { events += 1 }
                    if events == 4 { break }
                }
                return seen
            }
        }
        let events = elements.compactMap { element -> ServerSentEvent? in
            if case .event(let event) = element { return event }
            return nil
        }
        #expect(events.map(\.id) == ["1", "2", "3", "4"])
        #expect(events.map(\.data) == ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"])
        #expect(events[2].event == "action.updated")
        #expect(server.lastEventIDs == [nil, "2", "3"])
        let connects = elements.compactMap { element -> String?? in
            if case .connected(let id) = element { return .some(id) }
            return nil
        }
        #expect(connects == [nil, "2", "3"])
        let delays = elements.compactMap { element -> Duration? in
            if case .disconnected(_, let delay) = element { return delay }
            return nil
        }
        // The server asked for retry: 30 ms; failures reset after each successful connection.
        #expect(delays == [.milliseconds(30), .milliseconds(30)])
    }

    @Test func startsFromAGivenLastEventIDAndRetriesServerErrors() async throws {
        let server = ScriptedEventServer([
            .init(frames: ["data: first\n\n"]),
            .init(status: .serviceUnavailable),
            .init(status: .badGateway),
            .init(frames: ["id: 11\ndata: after-errors\n\n"], stayOpen: true),
        ])
        let events = try await server.run { port in
            try await FarameshClient.withClient(try Self.client(port: port)) { client in
                var events: [ServerSentEvent] = []
                for try await element in client.eventStream(lastEventID: "10", reconnect: Self.fast) {
                    if case .event(let event) = element { events.append(event) }
                    if events.count == 2 { break }
                }
                return events
            }
        }
        #expect(events == [ServerSentEvent(id: "10", data: "first"), ServerSentEvent(id: "11", data: "after-errors")])
        #expect(server.lastEventIDs == ["10", "10", "10", "10"])
    }

    @Test func clientErrorsEndTheStream() async throws {
        let server = ScriptedEventServer([.init(status: .unauthorized)])
        let error = try await server.run { port in
            try await FarameshClient.withClient(try Self.client(port: port)) { client -> FarameshClientError? in
                do {
                    for try await _ in client.eventStream(reconnect: Self.fast) {}
                    return nil
                } catch let error as FarameshClientError {
                    return error
                }
            }
        }
        #expect(error?.httpStatus == 401)
        #expect(server.lastEventIDs.count == 1)
    }

    @Test func aServerThatIsDownFailsTheFirstConnectionAtOnce() async throws {
        let port = try FreePort.pick()
        let started = ContinuousClock.now
        let error = try await FarameshClient.withClient(try Self.client(port: port)) { client -> (any Error)? in
            do {
                for try await _ in client.eventStream(reconnect: Self.fast) {}
                return nil
            } catch {
                return error
            }
        }
        let message = String(describing: try #require(error))
        #expect(message == "cannot reach faramesh at http://127.0.0.1:\(port) (connection refused)")
        // Refused connections fail at once; slack for a loaded CI machine (a retry loop would never end).
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
