import ArgumentParser
import FarameshAPI
import FarameshClient
import FarameshCore
import FarameshPolicyTools
import FarameshServer
import Foundation

/// `faramesh replay-decision ID [--policy FILE]`: decides the stored request again and checks
/// that the decision and its binding are reproduced. Exit 1 on any mismatch.
struct ReplayDecisionCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay-decision",
        abstract: "Re-decide an action's stored request and compare with the recorded decision.",
        discussion: """
            Without --policy the server decides again (POST /v1/gate/decide, nothing is recorded) and outcome, \
            reason_code, request_hash, policy_hash, profile_hash and runtime_version are compared. With --policy \
            the request is decided locally against that file (and --profile, if given); runtime_version is then \
            not compared. Exits 1 when anything differs.
            """
    )

    @OptionGroup var global: ClientOptions

    @Argument(help: "Action id or prefix.")
    var id: String

    @Option(help: "Decide locally against this policy file instead of asking the server.")
    var policy: String?

    @Option(help: "Execution profile for a local decision (with --policy).")
    var profile: String?

    func validate() throws {
        try ActionReference.validate(id)
        if profile != nil && policy == nil { throw ValidationError("--profile needs --policy") }
    }

    /// One compared field.
    struct Field: Equatable {
        var name: String
        var recorded: String?
        var replayed: String?
        var matches: Bool { recorded == replayed }

        var json: JSONValue {
            .object([
                "field": .string(name), "recorded": recorded.map(JSONValue.string) ?? .null,
                "replayed": replayed.map(JSONValue.string) ?? .null, "match": .bool(matches),
            ])
        }
    }

    /// The fields compared between the recorded action and a replayed decision.
    static func compare(
        _ action: ActionResponse,
        _ decision: GateDecisionResponse,
        local: Bool,
        withProfile: Bool
    ) -> [Field] {
        var fields = [
            Field(name: "outcome", recorded: action.outcome.rawValue, replayed: decision.outcome.rawValue),
            Field(name: "reason_code", recorded: action.reasonCode, replayed: decision.reasonCode),
            Field(name: "request_hash", recorded: action.requestHash, replayed: decision.requestHash),
            Field(name: "policy_hash", recorded: action.policyHash, replayed: decision.policyHash),
        ]
        if !local || withProfile {
            fields.append(Field(name: "profile_hash", recorded: action.profileHash, replayed: decision.profileHash))
        }
        if !local {
            fields.append(
                Field(name: "runtime_version", recorded: action.runtimeVersion, replayed: decision.runtimeVersion)
            )
        }
        return fields
    }

    func run() async throws {
        let reference = id
        let engine = try policy.map { try Self.localEngine(policy: $0, profile: profile) }
        let (action, decision) = try await withClient { client -> (ActionResponse, GateDecisionResponse) in
            let action = try await ActionReference.resolve(reference, with: client)
            let request = SubmitActionRequest(
                agentID: action.agentID,
                tool: action.tool,
                operation: action.operation,
                params: action.params,
                context: action.context
            )
            if let engine {
                let local = DecisionEngine(
                    policy: engine.policy,
                    profile: engine.profile,
                    runtimeVersion: action.runtimeVersion ?? PolicyFiles.defaultRuntimeVersion
                )
                return (action, GateDecisionResponse(decision: local.decide(request.actionRequest)))
            }
            return (action, try await client.decide(request))
        }
        let fields = Self.compare(action, decision, local: engine != nil, withProfile: profile != nil)
        let mismatched = fields.filter { !$0.matches }.map(\.name)
        let sameDecision = action.outcome == decision.outcome && action.reasonCode == decision.reasonCode
        if global.json {
            print(
                TerminalText.json(
                    CanonicalJSON.string(
                        .object([
                            "action_id": .string(action.id),
                            "mode": .string(engine == nil ? "server" : "local"),
                            "policy_file": policy.map(JSONValue.string) ?? .null,
                            "match": .bool(mismatched.isEmpty),
                            "same_decision": .bool(sameDecision),
                            "fields": .array(fields.map(\.json)),
                            "replayed": ActionFormat.json(decision),
                        ])
                    )
                )
            )
        } else {
            print(
                "Replaying decision of \(TerminalText.visible(action.id)) \(engine == nil ? "on the server" : "against \(policy ?? "")")"
            )
            var table = TextTable(header: ["FIELD", "RECORDED", "REPLAYED", "MATCH"])
            for field in fields {
                table.add([
                    field.name, field.recorded ?? "null", field.replayed ?? "null", field.matches ? "yes" : "NO",
                ])
            }
            let terminal = Terminal.stdout
            print(
                table.render { row, column, cell in
                    column == 3 ? terminal.paint(cell, fields[row].matches ? .green : .red) : cell
                },
                terminator: ""
            )
            if mismatched.isEmpty {
                print("Decision reproduced: \(decision.outcome.rawValue) \(decision.reasonCode).")
            } else {
                print(
                    "MISMATCH: \(mismatched.joined(separator: ", ")) \(mismatched.count == 1 ? "differs" : "differ")\(sameDecision ? " (the decision itself is the same)" : "")."
                )
            }
        }
        if !mismatched.isEmpty { throw ExitCode(1) }
    }

    /// The local engine's policy and profile (runtime version filled in per action).
    struct LocalEngine: Sendable {
        var policy: CompiledPolicy
        var profile: ProfileState
    }

    static func localEngine(policy path: String, profile profilePath: String?) throws -> LocalEngine {
        let policy: CompiledPolicy
        do {
            policy = try CompiledPolicy.compile(yaml: try Self.read(path), source: path)
        } catch let error as PolicyLoadError {
            throw CLIError(error.description)
        }
        guard let profilePath else { return LocalEngine(policy: policy, profile: .none) }
        do {
            return LocalEngine(
                policy: policy,
                profile: .loaded(try CompiledProfile.compile(yaml: try Self.read(profilePath), source: profilePath))
            )
        } catch let error as PolicyLoadError {
            throw CLIError(error.description)
        }
    }

    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw ValidationError("cannot read \(path) as UTF-8 text")
        }
        return text
    }
}
