import Foundation

/// Parses a `.env` file: `KEY=value` lines, `#` comments, optional `export ` prefix,
/// single- or double-quoted values (double quotes understand \n, \" and \\).
/// Malformed lines are reported, not skipped silently.
struct DotEnv: Sendable, Equatable {
    var values: [String: String]

    struct ParseError: Error, CustomStringConvertible, Equatable {
        var line: Int
        var message: String
        var description: String { ".env line \(line): \(message)" }
    }

    init(values: [String: String] = [:]) { self.values = values }

    init(parsing text: String) throws(ParseError) {
        var values: [String: String] = [:]
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "=") else {
                throw ParseError(line: index + 1, message: "expected KEY=value")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw ParseError(line: index + 1, message: "invalid variable name")
            }
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else {
                    throw ParseError(line: index + 1, message: "unterminated double quote")
                }
                value = Self.unescape(String(value.dropFirst().dropLast()))
            } else if value.hasPrefix("'") {
                guard value.count >= 2, value.hasSuffix("'") else {
                    throw ParseError(line: index + 1, message: "unterminated single quote")
                }
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            values[key] = value
        }
        self.values = values
    }

    private static func unescape(_ s: String) -> String {
        var out = ""
        var escaped = false
        for ch in s {
            if escaped {
                switch ch {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(ch)
                }
                escaped = false
            } else if ch == "\\" {
                escaped = true
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
