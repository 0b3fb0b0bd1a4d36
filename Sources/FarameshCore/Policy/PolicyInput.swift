/// Per-evaluation view of one request. Values several rules may need (the canonical params
/// text, the amount, the normalized path) are computed at most once, and only when a rule whose
/// cheaper conditions already matched asks for them.
struct PolicyInput {
    let request: ActionRequest
    private var canonical: String?
    private var amountCache: Double??
    private var pathCache: String??
    private var methodCache: JSONValue??
    /// The last `field` looked up (rules often test the same field).
    private var fieldCache: (name: String, value: JSONValue?)?
    private var branchCache: JSONValue??

    /// `NameIndex.hash(of:)` of the tool and operation, for the rule indexes.
    let toolHash: UInt64
    let operationHash: UInt64

    init(request: ActionRequest, canonicalParams: String?) {
        self.request = request
        self.canonical = canonicalParams
        self.toolHash = NameIndex.hash(of: request.tool)
        self.operationHash = NameIndex.hash(of: request.operation)
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

    /// The value a `field` condition compares, looked up once per distinct field name in a row.
    mutating func value(of field: RuleMatcher.FieldCondition) -> JSONValue? {
        if let cached = fieldCache, cached.name == field.name { return cached.value }
        let value = self.value(forKey: field.name, path: field.path)
        fieldCache = (field.name, value)
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
