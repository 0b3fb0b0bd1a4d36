import ArgumentParser
import FarameshCore
import Foundation
import Testing

@testable import faramesh

/// One product version: the CLI, the server default and the OpenAPI document (FarameshServerTests)
/// all read `FarameshVersion.current`; the Helm chart's appVersion names the same release.
@Suite struct VersionTests {
    @Test func cliReportsTheProductVersion() {
        #expect(Faramesh.configuration.version == FarameshVersion.current)
        #expect(ServeSettings.runtimeVersion == FarameshVersion.current)
    }

    @Test func helmChartShipsTheProductVersion() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let chart = try String(contentsOf: root.appendingPathComponent("helm/faramesh/Chart.yaml"), encoding: .utf8)
        #expect(chart.contains("appVersion: \"\(FarameshVersion.current)\""))
    }
}
