import FarameshAPI
import FarameshCore
import Foundation
import Logging
import Synchronization

/// Why the policy or profile could not be loaded at start-up (safe to print).
package struct PolicyRuntimeError: Error, Sendable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { self.message }
}

/// Holds the active `DecisionEngine` and swaps it atomically on reload.
///
/// Start-up is strict: a configured policy or profile file that is missing or does not compile
/// throws. Reloads are forgiving: a failure keeps the last good engine, counts a failed reload,
/// logs why, and shows it in `/v1/policy/info` until the next successful reload.
package final class PolicyRuntime: Sendable {
    /// Where the policy comes from.
    struct PolicySource: Sendable {
        /// As configured (or the default path when it was found there); nil for the built-in policy.
        var file: String?
        /// Absolute path; nil for the built-in policy.
        var path: String?
        var builtin: Bool { self.file == nil }
    }

    /// The engine lives in a box so readers copy one reference under the lock.
    private final class EngineBox: Sendable {
        let engine: DecisionEngine
        let loadedAt: Date
        init(_ engine: DecisionEngine, loadedAt: Date) {
            self.engine = engine
            self.loadedAt = loadedAt
        }
    }

    private struct State: Sendable {
        var current: EngineBox
        var lastReloadError: String?
        /// SHA-256 of the file contents last loaded (policy, profile): reload only on change.
        var policyDigest: String?
        var profileDigest: String?
    }

    private let policySource: PolicySource
    private let profileFile: String?
    private let policyVersion: String?
    private let runtimeVersion: String
    let hotReload: Bool
    let pollInterval: Duration
    private let metrics: ServerMetrics?
    private let logger: Logger
    private let state: Mutex<State>

    /// Loads the policy (configured file, else `policies/default.yaml`, else the built-in default)
    /// and the profile (only when configured).
    package init(configuration: GatekeeperConfiguration, metrics: ServerMetrics? = nil, logger: Logger) throws {
        self.logger = logger
        self.metrics = metrics
        self.profileFile = configuration.profileFile
        self.policyVersion = configuration.policyVersion
        self.runtimeVersion = configuration.runtimeVersion
        self.hotReload = configuration.hotReload
        self.pollInterval = configuration.policyPollInterval

        if let file = configuration.policyFile {
            guard FileManager.default.fileExists(atPath: file) else {
                throw PolicyRuntimeError("Policy file not found: \(file)")
            }
            self.policySource = PolicySource(file: file, path: Self.absolutePath(file))
        } else if FileManager.default.fileExists(atPath: BuiltinPolicy.defaultPath) {
            self.policySource = PolicySource(
                file: BuiltinPolicy.defaultPath,
                path: Self.absolutePath(BuiltinPolicy.defaultPath)
            )
        } else {
            self.policySource = PolicySource(file: nil, path: nil)
        }
        if let profileFile, !FileManager.default.fileExists(atPath: profileFile) {
            throw PolicyRuntimeError("Profile file not found: \(profileFile)")
        }

        let loaded: Loaded
        do {
            loaded = try Self.load(
                policy: self.policySource,
                profileFile: self.profileFile,
                policyVersion: self.policyVersion,
                runtimeVersion: self.runtimeVersion
            )
        } catch {
            throw PolicyRuntimeError(error.message)
        }
        self.state = Mutex(
            State(
                current: EngineBox(loaded.engine, loadedAt: Date()),
                lastReloadError: nil,
                policyDigest: loaded.policyDigest,
                profileDigest: loaded.profileDigest
            )
        )
        self.logLoaded(loaded.engine, initial: true)
    }

    /// The engine in force now.
    package var engine: DecisionEngine { self.state.withLock { $0.current }.engine }

    /// Decides with the engine in force now. Pure and in memory: no I/O.
    package func decide(_ request: ActionRequest) -> Decision {
        let box = self.state.withLock { $0.current }
        return box.engine.decide(request)
    }

    /// Reloads both files; on failure keeps the previous engine.
    /// - Returns: true when the new policy is active.
    @discardableResult
    package func reload() -> Bool {
        self.reload(onlyIfChanged: false) ?? true
    }

    /// Reloads when either file's contents changed since the last load.
    /// - Returns: nil when nothing changed, else whether the reload succeeded.
    @discardableResult
    package func reloadIfChanged() -> Bool? {
        self.reload(onlyIfChanged: true)
    }

    private func reload(onlyIfChanged: Bool) -> Bool? {
        if self.policySource.builtin && self.profileFile == nil { return onlyIfChanged ? nil : true }
        let policyDigest = self.policySource.path.flatMap { Self.digest(ofFile: $0) }
        let profileDigest = self.profileFile.flatMap { Self.digest(ofFile: $0) }
        if onlyIfChanged {
            let (oldPolicy, oldProfile) = self.state.withLock { ($0.policyDigest, $0.profileDigest) }
            if policyDigest == oldPolicy && profileDigest == oldProfile { return nil }
        }
        do {
            let loaded = try Self.load(
                policy: self.policySource,
                profileFile: self.profileFile,
                policyVersion: self.policyVersion,
                runtimeVersion: self.runtimeVersion
            )
            self.state.withLock { state in
                state.current = EngineBox(loaded.engine, loadedAt: Date())
                state.lastReloadError = nil
                state.policyDigest = loaded.policyDigest
                state.profileDigest = loaded.profileDigest
            }
            self.metrics?.recordPolicyReload(success: true)
            self.logLoaded(loaded.engine, initial: false)
            return true
        } catch {
            self.state.withLock { state in
                state.lastReloadError = error.message
                // Remember what failed so an unchanged broken file is not retried (and counted) every poll.
                state.policyDigest = policyDigest
                state.profileDigest = profileDigest
            }
            self.metrics?.recordPolicyReload(success: false)
            self.logger.error(
                "Policy reload failed; keeping the previous policy",
                metadata: ["error": "\(error.message)"]
            )
            return false
        }
    }

    /// What `/v1/policy/info` reports.
    package var info: PolicyInfoResponse {
        let (box, lastError) = self.state.withLock { ($0.current, $0.lastReloadError) }
        let engine = box.engine
        var profileID: String?
        var profileHash: String?
        if case .loaded(let profile) = engine.profile {
            profileID = profile.id
            profileHash = profile.hash
        }
        return PolicyInfoResponse(
            policyFile: self.policySource.file,
            policyPath: self.policySource.path,
            exists: self.policySource.path.map { FileManager.default.fileExists(atPath: $0) } ?? false,
            policyVersion: engine.policy?.version,
            policyHash: engine.policy?.hash,
            loadedAt: WireTimestamp.format(box.loadedAt),
            lastReloadError: lastError,
            builtinDefault: self.policySource.builtin,
            profileFile: self.profileFile,
            profileID: profileID,
            profileHash: profileHash,
            hotReload: self.hotReload
        )
    }

    /// True once an engine with a policy is in force (always, after a successful init).
    var isLoaded: Bool { self.engine.policy != nil }

    // MARK: loading

    private struct Loaded {
        var engine: DecisionEngine
        var policyDigest: String?
        var profileDigest: String?
    }

    private struct LoadFailure: Error {
        var message: String
    }

    private static func load(
        policy source: PolicySource,
        profileFile: String?,
        policyVersion: String?,
        runtimeVersion: String
    ) throws(LoadFailure) -> Loaded {
        let policyText: String
        var policyDigest: String?
        if let path = source.path, let file = source.file {
            let text = try self.read(path, shownAs: file)
            policyText = text
            policyDigest = SHA256Hex.hash(text)
        } else {
            policyText = BuiltinPolicy.yaml
        }
        let policy: CompiledPolicy
        do {
            policy = try CompiledPolicy.compile(
                yaml: policyText,
                source: source.file ?? BuiltinPolicy.source,
                version: policyVersion
            )
        } catch {
            throw LoadFailure(message: "Policy does not compile: \(error.description)")
        }
        var profile = ProfileState.none
        var profileDigest: String?
        if let profileFile {
            let text = try self.read(profileFile, shownAs: profileFile)
            profileDigest = SHA256Hex.hash(text)
            do {
                profile = .loaded(try CompiledProfile.compile(yaml: text, source: profileFile))
            } catch {
                throw LoadFailure(message: "Profile does not compile: \(error.description)")
            }
        }
        return Loaded(
            engine: DecisionEngine(policy: policy, profile: profile, runtimeVersion: runtimeVersion),
            policyDigest: policyDigest,
            profileDigest: profileDigest
        )
    }

    private static func read(_ path: String, shownAs name: String) throws(LoadFailure) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadFailure(message: "Cannot read \(name): file missing or unreadable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LoadFailure(message: "Cannot read \(name): not UTF-8 text")
        }
        return text
    }

    private static func digest(ofFile path: String) -> String? {
        FileManager.default.contents(atPath: path).map { SHA256Hex.hash($0) }
    }

    private static func absolutePath(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    private func logLoaded(_ engine: DecisionEngine, initial: Bool) {
        guard let policy = engine.policy else { return }
        var metadata: Logger.Metadata = [
            "policy.version": "\(policy.version)",
            "policy.hash": "\(policy.hash)",
            "policy.rules": "\(policy.rules.count)",
        ]
        if case .loaded(let profile) = engine.profile {
            metadata["profile.id"] = "\(profile.id)"
            metadata["profile.hash"] = "\(profile.hash)"
        }
        if self.policySource.builtin {
            self.logger.warning(
                "No policy file configured and \(BuiltinPolicy.defaultPath) not found: using the built-in safe default policy (http get allowed, shell requires approval, everything else denied)",
                metadata: metadata
            )
        } else {
            metadata["policy.path"] = "\(self.policySource.path ?? "")"
            self.logger.info(initial ? "Policy loaded" : "Policy reloaded", metadata: metadata)
        }
        for warning in policy.warnings {
            self.logger.warning("Policy warning", metadata: ["warning": "\(warning)"])
        }
    }
}
