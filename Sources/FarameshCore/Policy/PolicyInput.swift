/// Per-evaluation view of one request. Values several rules may need (the canonical params
/// text, the amount, the normalized path) are computed at most once, and only when a rule whose
/// cheaper conditions already matched asks for them.
struct PolicyInput {
    let request: ActionRequest
    private var canonical: String?
    private var amountCache: Double??
    private var pathCache: String??
    private var methodCache: JSONValue??
    private var branchCache: JSONValue??

    /// `NameHash` of the tool and operation, for the rule indexes.
    let toolHash: UInt64
    let operationHash: UInt64

    init(request: ActionRequest, canonicalParams: String?) {
        self.request = request
        self.canonical = canonicalParams
        self.toolHash = NameHash.of(request.tool)
        self.operationHash = NameHash.of(request.operation)
    }

    /// The canonical JSON of params that `contains` and `pattern` search.
    mutating func canonicalParams() -> String {
        if let canonical { return canonical }
        let text = CanonicalJSON.string(request.params)
        canonical = text
        return text
    }

    /// A value the conditions read (`amount`, `path`, `method`, `branch`, `field`): the top-level
    /// key of params, else of context, else (for a dotted name) the path walked through params.
    func value(forKey key: String, path: [String]? = nil) -> JSONValue? {
        if case .object(let params) = request.params, let value = params[key] { return value }
        if case .object(let context) = request.context, let value = context[key] { return value }
        guard let path, path.count > 1 else { return nil }
        var current = request.params
        for segment in path {
            guard case .object(let object) = current, let next = object[segment] else { return nil }
            current = next
        }
        return current
    }

    /// The numeric `amount`, or nil when missing or not a number (then amount conditions do not match).
    mutating func amount() -> Double? {
        if let cached = amountCache { return cached }
        let value = self.value(forKey: "amount")?.numericValue
        amountCache = .some(value)
        return value
    }

    /// The `method` value (from params or context), looked up once.
    mutating func method() -> JSONValue? {
        if let cached = methodCache { return cached }
        let value = self.value(forKey: "method")
        methodCache = .some(value)
        return value
    }

    /// The `branch` value (from params or context), looked up once.
    mutating func branch() -> JSONValue? {
        if let cached = branchCache { return cached }
        let value = self.value(forKey: "branch")
        branchCache = .some(value)
        return value
    }

    /// The `path` string, lexically normalized, or nil when missing or not a string.
    mutating func path() -> String? {
        if let cached = pathCache { return cached }
        var value: String?
        if case .string(let raw)? = self.value(forKey: "path") { value = PathNormalizer.normalize(raw) }
        pathCache = .some(value)
        return value
    }
}

/// Lexical path normalization for `path_*` conditions, so `/workspace/../etc/passwd` is checked
/// as `/etc/passwd`: collapses `//`, drops `.` segments and trailing slashes, resolves `..`
/// (never above `/`). Symlinks cannot be resolved without I/O and are not.
enum PathNormalizer {
    static func normalize(_ path: String) -> String {
        guard needsNormalization(path) else { return path }
        let absolute = path.utf8.first == UInt8(ascii: "/")
        var stack: [Substring] = []
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch segment {
            case ".":
                continue
            case "..":
                if let last = stack.last, last != ".." {
                    stack.removeLast()
                } else if !absolute {
                    stack.append(segment)
                }
            default:
                stack.append(segment)
            }
        }
        let joined = stack.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// True when `path` has an empty, `.` or `..` segment or a trailing slash.
    static func needsNormalization(_ path: String) -> Bool {
        NamePattern.withBytes(path) { bytes in
            let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
            guard !bytes.isEmpty else { return false }
            var segmentStart = 0
            var i = 0
            while i <= bytes.count {
                if i == bytes.count || bytes[i] == slash {
                    let length = i - segmentStart
                    if length == 0 && segmentStart != 0 { return true }  // "//" or trailing "/"
                    if length == 1 && bytes[segmentStart] == dot { return true }
                    if length == 2 && bytes[segmentStart] == dot && bytes[segmentStart + 1] == dot { return true }
                    segmentStart = i + 1
                }
                i += 1
            }
            return false
        }
    }
}

extension JSONValue {
    /// Equality for `field` + `value`: numbers compare by value (`1 == 1.0`), everything else
    /// must have the same type (`true` is not `1`, `"5"` is not `5`).
    func policyEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.int(let a), .int(let b)): return a == b
        case (.bigInt(let a), .bigInt(let b)): return a == b
        case (.int, .double), (.double, .int), (.double, .double), (.bigInt, .double), (.double, .bigInt),
             (.int, .bigInt), (.bigInt, .int):
            guard let a = numericValue, let b = other.numericValue else { return false }
            return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.null, .null): return true
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.policyEquals($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (key, value) in a {
                guard let otherValue = b[key], value.policyEquals(otherValue) else { return false }
            }
            return true
        default:
            return false
        }
    }
}
