import Foundation

/// Where a setting's value comes from, in precedence order:
/// command-line flag > `FARAMESH_*` > legacy `FARA_*` > `.env` file > built-in default.
struct SettingsSource: Sendable {
    var environment: [String: String]
    var dotEnv: DotEnv

    init(environment: [String: String], dotEnv: DotEnv = DotEnv()) {
        self.environment = environment
        self.dotEnv = dotEnv
    }

    /// Reads the process environment and `.env` in the current directory (if present).
    static func current(dotEnvPath: String = ".env") throws -> SettingsSource {
        let env = ProcessInfo.processInfo.environment
        var dot = DotEnv()
        if FileManager.default.fileExists(atPath: dotEnvPath) {
            let text = try String(contentsOfFile: dotEnvPath, encoding: .utf8)
            dot = try DotEnv(parsing: text)
        }
        return SettingsSource(environment: env, dotEnv: dot)
    }

    /// The first of: `flag`, then each of `names` in the environment, then each of `names` in `.env`.
    /// Empty values count as unset.
    func string(flag: String?, _ names: [String]) -> String? {
        if let flag, !flag.isEmpty { return flag }
        for name in names { if let v = environment[name], !v.isEmpty { return v } }
        for name in names { if let v = dotEnv.values[name], !v.isEmpty { return v } }
        return nil
    }

    func int(flag: Int?, _ names: [String]) throws -> Int? {
        if let flag { return flag }
        guard let text = string(flag: nil, names) else { return nil }
        guard let value = Int(text) else { throw SettingsError.invalid(names[0], text, "an integer") }
        return value
    }

    /// `1/true/yes/on` and `0/false/no/off`; anything else is an error.
    func bool(flag: Bool?, _ names: [String]) throws -> Bool? {
        if let flag { return flag }
        guard let text = string(flag: nil, names) else { return nil }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw SettingsError.invalid(names[0], text, "1 or 0")
        }
    }

    /// Seconds as a plain number or with a unit: `90`, `90s`, `30m`, `1h`, `2d`.
    func duration(flag: String?, _ names: [String]) throws -> Duration? {
        guard let text = string(flag: flag, names) else { return nil }
        guard let d = Self.parseDuration(text) else {
            throw SettingsError.invalid(names[0], text, "a duration like 90s, 30m, 1h")
        }
        return d
    }

    static func parseDuration(_ text: String) -> Duration? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            guard let n = Double(t.dropLast(suffix.count)), n > 0, n.isFinite else { return nil }
            return .milliseconds(Int64((n * factor * 1000).rounded()))
        }
        guard let n = Double(t), n > 0, n.isFinite else { return nil }
        return .milliseconds(Int64((n * 1000).rounded()))
    }
}

enum SettingsError: Error, CustomStringConvertible {
    case invalid(String, String, String)
    case conflict(String)

    var description: String {
        switch self {
        case .invalid(let name, let value, let expected): return "\(name)=\(value) is not valid: expected \(expected)"
        case .conflict(let message): return message
        }
    }
}
