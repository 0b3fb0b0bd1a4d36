import FarameshAPI
import FarameshClient
import FarameshCore
import Foundation
import Synchronization
import Testing

@testable import FarameshMCP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The proxy's keep-alive gatekeeper client against a scripted HTTP/1.1 server on loopback.
@Suite struct KeepAliveGatekeeperTests {
    static let action =
        #"{"id":"A1","agent_id":"bench","tool":"bench","operation":"echo","params":{},"status":"STATUS","decision":"allow","risk_level":"low","created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z","outcome":"EXECUTE","reason_code":"POLICY_ALLOW","request_hash":"h"}"#

    static func answer(status: String, headers: [String] = [], body: String) -> String {
        (["HTTP/1.1 \(status)", "Content-Type: application/json", "Content-Length: \(body.utf8.count)"] + headers)
            .joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    static func client(port: Int, token: String? = "secret") throws -> KeepAliveGatekeeper {
        let configuration = FarameshClientConfiguration(
            baseURL: try BaseURL(host: "127.0.0.1", port: port),
            token: token,
            connectTimeout: .seconds(2),
            requestTimeout: .seconds(2)
        )
        return try #require(KeepAliveGatekeeper(configuration: configuration))
    }

    @Test func requestsReuseOneConnectionAndCarryTheHeaders() async throws {
        let server = try ScriptedHTTPServer(answers: [
            Self.answer(
                status: "200 OK",
                headers: ["Faramesh-Started: true"],
                body: Self.action.replacingOccurrences(of: "STATUS", with: "executing")
            ),
            Self.answer(status: "200 OK", body: Self.action.replacingOccurrences(of: "STATUS", with: "allowed")),
            Self.answer(status: "200 OK", body: Self.action.replacingOccurrences(of: "STATUS", with: "succeeded")),
        ])
        let client = try Self.client(port: server.port)
        let request = SubmitActionRequest(agentID: "bench", tool: "bench", operation: "echo")
        let submission = try await client.submit(request, idempotencyKey: "key-1", startIfAllowed: true)
        #expect(submission.started)
        #expect(submission.action.status == .executing)
        let plain = try await client.submit(request, idempotencyKey: nil, startIfAllowed: false)
        #expect(!plain.started)
        #expect(plain.action.status == .allowed)
        let result = try await client.result("A1", ResultRequest(success: true, error: nil))
        #expect(result.status == .succeeded)
        try await client.shutdown()
        let requests = server.finish()
        #expect(server.connections == 1)
        #expect(requests.count == 3)
        #expect(requests[0].hasPrefix("POST /v1/actions HTTP/1.1\r\n"))
        #expect(requests[0].contains("\r\nAuthorization: Bearer secret\r\n"))
        #expect(requests[0].contains("\r\nIdempotency-Key: key-1\r\n"))
        #expect(requests[0].contains("\r\nFaramesh-Start: if-allowed\r\n"))
        #expect(requests[0].contains(#""agent_id":"bench""#))
        #expect(!requests[1].contains("Faramesh-Start"))
        #expect(!requests[1].contains("Idempotency-Key"))
        #expect(requests[2].hasPrefix("POST /v1/actions/A1/result HTTP/1.1\r\n"))
    }

    @Test func errorAnswersBecomeServerErrorsWithTheirStatus() async throws {
        let server = try ScriptedHTTPServer(answers: [
            Self.answer(status: "409 Conflict", body: #"{"detail":"Action is executing","code":"ILLEGAL_TRANSITION"}"#),
            Self.answer(status: "502 Bad Gateway", body: "<html>oops</html>"),
        ])
        let client = try Self.client(port: server.port)
        do {
            _ = try await client.start("A1")
            Issue.record("no error")
        } catch let error as FarameshClientError {
            #expect(error.httpStatus == 409)
            #expect(error.errorCode == "ILLEGAL_TRANSITION")
        }
        do {
            _ = try await client.action("A1")
            Issue.record("no error")
        } catch let error as FarameshClientError {
            #expect(error == .unexpectedResponse(status: 502, message: "<html>oops</html>"))
        }
        try await client.shutdown()
        _ = server.finish()
    }

    @Test func aClosedConnectionIsReplacedAndARefusedOneIsUnreachable() async throws {
        let server = try ScriptedHTTPServer(answers: [
            Self.answer(
                status: "200 OK",
                headers: ["Connection: close"],
                body: Self.action.replacingOccurrences(of: "STATUS", with: "allowed")
            ),
            Self.answer(status: "200 OK", body: Self.action.replacingOccurrences(of: "STATUS", with: "executing")),
        ])
        let client = try Self.client(port: server.port)
        #expect(try await client.action("A1").status == .allowed)
        #expect(try await client.start("A1").status == .executing)
        try await client.shutdown()
        _ = server.finish()
        #expect(server.connections == 2)

        let refused = try Self.client(port: server.port)
        do {
            _ = try await refused.action("A1")
            Issue.record("no error")
        } catch let error as FarameshClientError {
            guard case .unreachable(_, let reason) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(reason == "connection refused")
        }
        try await refused.shutdown()
    }

    @Test func onlyPlainHTTPGatekeepersGetTheKeepAliveClient() throws {
        let tls = FarameshClientConfiguration(baseURL: try BaseURL("https://gatekeeper.example"))
        #expect(KeepAliveGatekeeper(configuration: tls) == nil)
        let prefixed = try #require(
            KeepAliveGatekeeper(
                configuration: FarameshClientConfiguration(baseURL: try BaseURL("http://[::1]:8000/faramesh/"))
            )
        )
        #expect(prefixed.host == "::1")
        #expect(prefixed.port == 8000)
        #expect(prefixed.pathPrefix == "/faramesh")
    }
}

/// Accepts connections one after another on 127.0.0.1 and answers each request (head plus a
/// `Content-Length` body) with the next scripted answer; closes a connection after an answer
/// that says `Connection: close`.
final class ScriptedHTTPServer: Sendable {
    let port: Int
    private let listener: Int32
    private let state = Mutex<(requests: [String], connections: Int)>(([], 0))
    private let done = DispatchSemaphore(value: 0)

    var connections: Int { self.state.withLock { $0.connections } }

    init(answers: [String]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        self.listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in self.serve(answers) }
        thread.start()
    }

    /// Stops accepting; returns the requests received (head and body, as text).
    func finish() -> [String] {
        shutdown(self.listener, Int32(SHUT_RDWR))
        self.done.wait()
        close(self.listener)
        return self.state.withLock { $0.requests }
    }

    private func serve(_ answers: [String]) {
        var remaining = answers[...]
        defer { self.done.signal() }
        while !remaining.isEmpty {
            let connection = accept(self.listener, nil, nil)
            guard connection >= 0 else { return }
            self.state.withLock { $0.connections += 1 }
            var buffer: [UInt8] = []
            while let answer = remaining.first {
                guard let request = Self.readRequest(connection, &buffer) else { break }
                self.state.withLock { $0.requests.append(request) }
                remaining = remaining.dropFirst()
                let bytes = Array(answer.utf8)
                _ = bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) }
                if answer.contains("Connection: close") { break }
            }
            close(connection)
        }
        // Wait for `finish` (the listener is shut down) so late connections are refused by then.
        while accept(self.listener, nil, nil) >= 0 {}
    }

    private static func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> String? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let text = String(decoding: buffer, as: UTF8.self)
            if let end = text.range(of: "\r\n\r\n") {
                let head = text[..<end.lowerBound]
                let length =
                    head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                let headBytes = text[..<end.upperBound].utf8.count
                if buffer.count >= headBytes + length {
                    let request = String(decoding: buffer[..<(headBytes + length)], as: UTF8.self)
                    buffer.removeFirst(headBytes + length)
                    return request
                }
            }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return nil }
            buffer += chunk[..<count]
        }
    }
}
