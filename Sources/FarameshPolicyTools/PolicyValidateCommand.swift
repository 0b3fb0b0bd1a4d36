import ArgumentParser
import FarameshCore

/// `faramesh policy validate FILE…`: compiles each file and reports the first error with its
/// line and column, or the rule counts, version, hash and warnings.
struct PolicyValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check policy files (or, with --profile, execution profiles) for errors."
    )

    @Argument(help: "Policy files (YAML).")
    var files: [String]

    @Flag(name: .customLong("profile"), help: "The files are execution profiles, not policies.")
    var profiles = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    mutating func run() async throws {
        var results: [JSONValue] = []
        var failed = false
        for file in files {
            let text = try PolicyFiles.read(file)
            if profiles {
                do throws(PolicyLoadError) {
                    let profile = try CompiledProfile.compile(yaml: text, source: file)
                    results.append(
                        .object([
                            "file": .string(file), "valid": .bool(true), "id": .string(profile.id),
                            "version": .string(profile.version), "hash": .string(profile.hash),
                            "rules": .int(Int64(profile.rules.count)),
                        ])
                    )
                    if !json {
                        print(
                            "\(file): OK (profile '\(profile.id)' version \(profile.version), \(profile.rules.count) rules, "
                                + "hash \(profile.hash))"
                        )
                    }
                } catch {
                    failed = true
                    results.append(PolicyFiles.invalid(file, error))
                    if !json { PolicyFiles.printError(error.description) }
                }
                continue
            }
            do throws(PolicyLoadError) {
                let policy = try CompiledPolicy.compile(yaml: text, source: file)
                results.append(
                    .object([
                        "file": .string(file), "valid": .bool(true), "version": .string(policy.version),
                        "hash": .string(policy.hash), "rules": .int(Int64(policy.rules.count)),
                        "risk_rules": .int(Int64(policy.riskRules.count)),
                        "warnings": .array(policy.warnings.map { .string($0.description) }),
                    ])
                )
                if !json {
                    print(
                        "\(file): OK (\(policy.rules.count) rules, \(policy.riskRules.count) risk rules, "
                            + "version \(policy.version), hash \(policy.hash))"
                    )
                    for warning in policy.warnings { print("\(file):\(warning): warning") }
                }
            } catch {
                failed = true
                results.append(PolicyFiles.invalid(file, error))
                if !json { PolicyFiles.printError(error.description) }
            }
        }
        if json { PolicyFiles.printJSON(results.count == 1 ? results[0] : .array(results)) }
        if failed { throw ExitCode(PolicyFiles.failure) }
    }
}
