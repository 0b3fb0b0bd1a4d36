import Foundation

/// One element of an executor's `command`, with `{params.KEY}` placeholders.
///
/// Only the exact form `{params.KEY}` (KEY: letters, digits, `_` and `-`) is a placeholder;
/// any other brace is literal text, so `awk '{print $1}'`-style arguments need no escaping.
/// A malformed `{params.` sequence is a configuration error rather than literal text, so a typo
/// never reaches the command.
public struct ArgvTemplate: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        /// A top-level key of the action's params.
        case parameter(String)
    }

    public let segments: [Segment]
    /// The text as written in the file.
    public let description: String

    static let prefix = "{params."

    /// Why an element could not be parsed (the caller adds file and position).
    public struct SyntaxError: Error, Sendable, Hashable {
        public var message: String
    }

    public init(parsing text: String) throws(SyntaxError) {
        self.description = text
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(text)
        while let start = rest.range(of: Self.prefix) {
            literal += rest[rest.startIndex..<start.lowerBound]
            let afterPrefix = rest[start.upperBound...]
            guard let close = afterPrefix.firstIndex(of: "}") else {
                throw SyntaxError(message: "unterminated placeholder in '\(text)'; write {params.KEY}")
            }
            let key = String(afterPrefix[afterPrefix.startIndex..<close])
            guard Self.isValidKey(key) else {
                throw SyntaxError(
                    message: "invalid placeholder '{params.\(key)}' in '\(text)'; "
                        + "KEY must be a top-level params key made of letters, digits, '_' or '-'"
                )
            }
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = ""
            segments.append(.parameter(key))
            rest = afterPrefix[afterPrefix.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty || segments.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    /// The params keys this element reads.
    public var parameters: [String] {
        segments.compactMap { if case .parameter(let key) = $0 { key } else { nil } }
    }

    static func isValidKey(_ key: String) -> Bool {
        !key.isEmpty
            && key.unicodeScalars.allSatisfy { scalar in
                switch scalar {
                case "a"..."z", "A"..."Z", "0"..."9", "_", "-": return true
                default: return false
                }
            }
    }

    /// Why a placeholder could not be filled from an action's params (safe to show the agent).
    public struct RenderError: Error, Sendable, Hashable, CustomStringConvertible {
        public var key: String
        public var problem: String
        public var description: String { "params.\(key) \(problem)" }
    }

    /// The argument with every placeholder replaced by the scalar under that params key:
    /// strings as they are, integers in decimal, other numbers in their JSON form, booleans as
    /// `true`/`false`. A missing key, null, an object or a list fails (never an empty argument).
    public func render(params: JSONValue) throws(RenderError) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text):
                out += text
            case .parameter(let key):
                out += try Self.scalarText(params[key], key: key)
            }
        }
        return out
    }

    static func scalarText(_ value: JSONValue?, key: String) throws(RenderError) -> String {
        let text: String
        switch value {
        case nil: throw RenderError(key: key, problem: "is missing")
        case .null?: throw RenderError(key: key, problem: "is null")
        case .object?:
            throw RenderError(key: key, problem: "is an object; only strings, numbers and booleans can be used")
        case .array?: throw RenderError(key: key, problem: "is a list; only strings, numbers and booleans can be used")
        case .string(let s)?: text = s
        case .int(let i)?: text = String(i)
        case .bigInt(let digits)?: text = digits
        case .double(let d)?: text = CanonicalJSON.string(.double(d))
        case .bool(let b)?: text = b ? "true" : "false"
        }
        // A NUL would silently cut the argument short in the C string handed to exec.
        guard !text.utf8.contains(0) else { throw RenderError(key: key, problem: "contains a NUL character") }
        return text
    }
}
