import ArgumentParser
import FarameshAPI
import FarameshClient

/// A command that talks to a running server.
protocol ClientCommand: AsyncParsableCommand {
    var global: ClientOptions { get }
}

extension ClientCommand {
    /// Runs `body` with a client configured from flags, environment and `.env`.
    func withClient<T: Sendable>(_ body: (FarameshClient) async throws -> T) async throws -> T {
        let configuration = try ClientSettings.resolve(self.global, SettingsSource.current())
        return try await FarameshClient.withClient(configuration, body)
    }

    /// Prints a wire value as JSON.
    func printJSON(_ value: some JSONWritable) {
        print(TerminalText.json(String(decoding: value.jsonBytes, as: UTF8.self)))
    }
}
