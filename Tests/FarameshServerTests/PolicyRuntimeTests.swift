import FarameshAPI
import FarameshCore
import Foundation
import HTTPTypes
import Testing

@testable import FarameshServer

@Suite struct PolicyRuntimeTests {
    static let request = ActionRequest(agentID: "a", tool: "http", operation: "get")

    @Test func hotReloadKeepsLastGoodPolicyAndReportsTheError() throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ServerHarness.configuration(directory: directory)
        configuration.hotReload = true
        let file = try #require(configuration.policyFile)
        let metrics = ServerMetrics()
        let runtime = try PolicyRuntime(configuration: configuration, metrics: metrics, logger: ServerHarness.logger)
        #expect(runtime.decide(Self.request).outcome == .execute)
        #expect(runtime.reloadIfChanged() == nil, "unchanged file: no reload")

        try "rules: [this is not a rule".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(runtime.reloadIfChanged() == false)
        #expect(runtime.decide(Self.request).outcome == .execute, "the last good policy stays active")
        let info = runtime.info
        #expect(info.lastReloadError?.contains("Policy does not compile") == true)
        #expect(info.policyVersion == "test-1")
        #expect(runtime.reloadIfChanged() == nil, "a broken file is not retried until it changes")

        try """
        version: test-2
        rules:
          - match: {tool: "*", op: "*"}
            deny: true
        """.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(runtime.reloadIfChanged() == true)
        #expect(runtime.decide(Self.request).outcome == .halt)
        #expect(runtime.info.lastReloadError == nil)
        #expect(runtime.info.policyVersion == "test-2")
        let text = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(text.contains(#"faramesh_policy_reloads_total{result="success"} 1"#))
        #expect(text.contains(#"faramesh_policy_reloads_total{result="failure"} 1"#))
    }

    @Test func missingOrBrokenConfiguredFilesAreStartupErrors() throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var missing = GatekeeperConfiguration(policyFile: directory.appendingPathComponent("nope.yaml").path)
        #expect(throws: PolicyRuntimeError.self) {
            try PolicyRuntime(configuration: missing, logger: ServerHarness.logger)
        }

        let broken = directory.appendingPathComponent("broken.yaml").path
        try "rules:\n  - match: {tool: x}\n".write(toFile: broken, atomically: true, encoding: .utf8)
        let brokenConfiguration = GatekeeperConfiguration(policyFile: broken)
        #expect(throws: PolicyRuntimeError.self) {
            try PolicyRuntime(configuration: brokenConfiguration, logger: ServerHarness.logger)
        }

        missing = try ServerHarness.configuration(directory: directory)
        missing.profileFile = directory.appendingPathComponent("no-profile.yaml").path
        let missingProfile = missing
        #expect(throws: PolicyRuntimeError.self) {
            try PolicyRuntime(configuration: missingProfile, logger: ServerHarness.logger)
        }
    }

    @Test func builtinDefaultPolicyWhenNothingIsConfigured() throws {
        // The test process runs from the package root, which may hold policies/default.yaml; run from elsewhere.
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let previous = FileManager.default.currentDirectoryPath
        #expect(FileManager.default.changeCurrentDirectoryPath(directory.path))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        let runtime = try PolicyRuntime(configuration: GatekeeperConfiguration(), logger: ServerHarness.logger)
        #expect(runtime.info.builtinDefault)
        #expect(runtime.info.policyFile == nil)
        #expect(runtime.info.exists == false)
        #expect(runtime.decide(ActionRequest(agentID: "a", tool: "http", operation: "get")).outcome == .execute)
        #expect(runtime.decide(ActionRequest(agentID: "a", tool: "shell", operation: "run")).outcome == .abstain)
        #expect(runtime.decide(ActionRequest(agentID: "a", tool: "stripe", operation: "refund")).outcome == .halt)
        #expect(runtime.decide(ActionRequest(agentID: "a", tool: "http", operation: "post")).outcome == .halt)
    }

    @Test func profileIsLoadedAndReported() throws {
        let directory = try ServerHarness.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try ServerHarness.configuration(directory: directory)
        let profile = directory.appendingPathComponent("profile.yaml").path
        try """
        id: strict
        version: "1"
        allowed_tools: [http]
        """.write(toFile: profile, atomically: true, encoding: .utf8)
        configuration.profileFile = profile
        let runtime = try PolicyRuntime(configuration: configuration, logger: ServerHarness.logger)
        #expect(runtime.info.profileID == "strict")
        let decision = runtime.decide(ActionRequest(agentID: "a", tool: "shell", operation: "run"))
        #expect(decision.reasonCode == .profileDisallowsTool)
        #expect(decision.profileID == "strict")
    }
}
