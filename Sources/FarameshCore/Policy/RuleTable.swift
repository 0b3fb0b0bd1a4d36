/// First-match lookup over an ordered list of rules. Rules whose `tool` is an exact name are
/// bucketed by it; rules with a wildcard tool (`"*"`, globs) are bucketed by their exact `op`, or
/// kept in one list when their op is a wildcard too. A lookup merges the request tool's bucket,
/// the request op's wildcard-tool bucket and the wildcard list by rule index, so rules are tried in
/// file order while rules that cannot match the request's tool and op are never looked at.
struct RuleTable: Sendable {
    let matchers: ContiguousArray<RuleMatcher>
    /// Per rule, what its `op` needs, kept flat so most op mismatches are rejected without
    /// touching the rule's matcher.
    private let opGates: ContiguousArray<OpGate>
    private let byTool: NameIndex
    private let anyToolByOp: NameIndex
    private let anyToolAnyOp: ContiguousArray<Int32>

    private struct OpGate: Sendable {
        /// `NameIndex.hash(of:)` of an exact op, else 0.
        var hash: UInt64
        /// The byte the op must start with, or 256 for no constraint.
        var firstByte: UInt16

        init(_ op: NamePattern) {
            hash = op.exactName.map(NameIndex.hash(of:)) ?? 0
            firstByte = op.requiredFirstByte.map(UInt16.init) ?? 256
        }

        @inline(__always)
        func rejects(hash requestHash: UInt64, firstByte requestFirst: UInt16) -> Bool {
            if hash != 0 { return hash != requestHash }
            return firstByte != 256 && firstByte != requestFirst
        }
    }

    init(_ matchers: [RuleMatcher]) {
        self.matchers = ContiguousArray(matchers)
        self.opGates = ContiguousArray(matchers.map { OpGate($0.op) })
        var byTool: [String: [Int32]] = [:]
        var anyToolByOp: [String: [Int32]] = [:]
        var anyToolAnyOp: ContiguousArray<Int32> = []
        for (index, matcher) in matchers.enumerated() {
            if let tool = matcher.tool.exactName {
                byTool[tool, default: []].append(Int32(index))
            } else if let op = matcher.op.exactName {
                anyToolByOp[op, default: []].append(Int32(index))
            } else {
                anyToolAnyOp.append(Int32(index))
            }
        }
        self.byTool = NameIndex(byTool)
        self.anyToolByOp = NameIndex(anyToolByOp)
        self.anyToolAnyOp = anyToolAnyOp
    }

    /// Index of the first rule (in file order) whose conditions all hold, or nil.
    func firstMatch(_ input: inout PolicyInput) -> Int? {
        if matchers.isEmpty { return nil }
        let forTool = byTool.range(for: input.request.tool, hash: input.toolHash)
        let forOp = anyToolByOp.range(for: input.request.operation, hash: input.operationHash)
        let opHash = input.operationHash
        let opFirst = input.request.operation.utf8.first.map(UInt16.init) ?? 256
        return byTool.indices.withUnsafeBufferPointer { toolLists in
            anyToolByOp.indices.withUnsafeBufferPointer { opLists in
                anyToolAnyOp.withUnsafeBufferPointer { rest in
                    opGates.withUnsafeBufferPointer { gates in
                        var i = forTool.lowerBound
                        var j = forOp.lowerBound
                        var k = 0
                        while true {
                            let x = i < forTool.upperBound ? toolLists[i] : .max
                            let y = j < forOp.upperBound ? opLists[j] : .max
                            let z = k < rest.count ? rest[k] : .max
                            let index: Int32
                            if x <= y && x <= z {
                                if x == .max { return nil }
                                index = x
                                i += 1
                            } else if y <= z {
                                index = y
                                j += 1
                            } else {
                                index = z
                                k += 1
                            }
                            if gates[Int(index)].rejects(hash: opHash, firstByte: opFirst) { continue }
                            if matchers[Int(index)].firstFailure(&input) == nil { return Int(index) }
                        }
                    }
                }
            }
        }
    }
}
