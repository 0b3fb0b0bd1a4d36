import ArgumentParser
import FarameshCore
import Foundation

/// File reading, loading and output shared by the policy commands. Unreadable files and bad
/// option values exit 2 (usage); invalid policies, profiles and tests exit 1.
package enum PolicyFiles {
    package static let failure: Int32 = 1
    package static let usage: Int32 = 2
    /// runtime_version bound into locally computed decisions unless `--runtime-version` says otherwise.
    package static let defaultRuntimeVersion = "local"

    /// Loads the files and runs the tests (what `faramesh policy test` does, without printing).
    /// Throws `ExitCode` 2 for unreadable files and 1 for invalid ones, after printing the error.
    package static func runTests(
        policy: String,
        tests: String,
        profile: String? = nil,
        runtimeVersion: String = defaultRuntimeVersion
    ) throws -> PolicyTestReport {
        let engine = try engine(policy: policy, profile: profile, runtimeVersion: runtimeVersion)
        let text = try read(tests)
        do throws(PolicyLoadError) {
            return try PolicyTestSuite.parse(yaml: text, source: tests).run(engine)
        } catch {
            printError(error.description)
            throw ExitCode(failure)
        }
    }

    static func engine(policy: String, profile: String?, runtimeVersion: String) throws -> DecisionEngine {
        let compiled = try self.policy(policy)
        guard let profile else { return DecisionEngine(policy: compiled, runtimeVersion: runtimeVersion) }
        let text = try read(profile)
        do throws(PolicyLoadError) {
            return DecisionEngine(
                policy: compiled,
                profile: .loaded(try CompiledProfile.compile(yaml: text, source: profile)),
                runtimeVersion: runtimeVersion
            )
        } catch {
            printError(error.description)
            throw ExitCode(failure)
        }
    }

    static func policy(_ path: String) throws -> CompiledPolicy {
        let text = try read(path)
        do throws(PolicyLoadError) {
            return try CompiledPolicy.compile(yaml: text, source: path)
        } catch {
            printError(error.description)
            throw ExitCode(failure)
        }
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            printError("\(path): cannot read the file")
            throw ExitCode(usage)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            printError("\(path): the file is not UTF-8 text")
            throw ExitCode(usage)
        }
        return text
    }

    static func jsonObject(_ text: String, option: String) throws -> JSONValue {
        let value: JSONValue
        do throws(JSONParseError) {
            value = try JSONParser.parse(text)
        } catch {
            printError("\(option): \(error.description)")
            throw ExitCode(usage)
        }
        guard case .object = value else {
            printError("\(option) must be a JSON object")
            throw ExitCode(usage)
        }
        return value
    }

    static func invalid(_ file: String, _ error: PolicyLoadError) -> JSONValue {
        .object([
            "file": .string(file), "valid": .bool(false),
            "error": .object([
                "message": .string(error.message),
                "line": error.line.map { .int(Int64($0)) } ?? .null,
                "column": error.column.map { .int(Int64($0)) } ?? .null,
                "rule_index": error.ruleIndex.map { .int(Int64($0)) } ?? .null,
                "key_path": error.keyPath.map(JSONValue.string) ?? .null,
                "description": .string(error.description),
            ]),
        ])
    }

    static func printJSON(_ value: JSONValue) {
        print(CanonicalJSON.string(value))
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
    }

    /// Runs a command tree like `AsyncParsableCommand.main()`, except that usage errors exit
    /// with 2 (ArgumentParser's own default is 64).
    package static func main<Root: AsyncParsableCommand>(_ root: Root.Type, arguments: [String]? = nil) async -> Never {
        do {
            var command = try await root.asyncParseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            exit(0)
        } catch {
            let code = root.exitCode(for: error)
            let message = root.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            exit(code == .validationFailure ? usage : code.rawValue)
        }
    }
}
