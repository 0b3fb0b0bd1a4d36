import FarameshAPI
import FarameshClient
import Foundation
import Logging

/// Records `/result` of started actions without delaying the answer to the MCP client.
///
/// Each report runs in its own task and is retried with backoff while the gatekeeper is
/// unreachable or overloaded; `drain` waits for the outstanding ones before the proxy exits and
/// logs every action whose outcome could not be recorded.
package actor ResultReporter {
    package static let maxAttempts = 8

    private let client: any GatekeeperAPI
    private let logger: Logger
    private var running: [UUID: Task<Void, Never>] = [:]

    package init(client: any GatekeeperAPI, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    package nonisolated func report(actionID: String, success: Bool, error: String?) {
        let body = ResultRequest(success: success, error: error.map { String($0.prefix(2_000)) })
        Task { await self.start(actionID: actionID, body: body) }
    }

    private func start(actionID: String, body: ResultRequest) {
        let id = UUID()
        self.running[id] = Task {
            await self.send(actionID: actionID, body: body)
            self.finished(id)
        }
    }

    private func finished(_ id: UUID) { self.running[id] = nil }

    private func send(actionID: String, body: ResultRequest) async {
        var delay = Duration.milliseconds(100)
        for attempt in 1...Self.maxAttempts {
            do {
                _ = try await self.client.result(actionID, body)
                return
            } catch let error as FarameshClientError {
                let retryable = error.httpStatus.map { [408, 429, 500, 502, 503, 504].contains($0) } ?? true
                if !retryable || attempt == Self.maxAttempts {
                    self.logger.error("could not record the result of action \(actionID): \(error)")
                    return
                }
            } catch {
                self.logger.error("could not record the result of action \(actionID): \(error)")
                return
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// Waits for outstanding reports, at most `timeout`; reports still running are logged.
    package func drain(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while !self.running.isEmpty, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if !self.running.isEmpty {
            self.logger.error("\(self.running.count) action result(s) not recorded before exit")
        }
    }
}
