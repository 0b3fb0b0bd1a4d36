/// First-match lookup over an ordered list of rules. Rules whose `tool` is an exact name are
/// bucketed by it; the rest (`"*"`, globs) share one bucket. A lookup merges the request tool's
/// bucket with the wildcard bucket by rule index, so rules are tried in file order while rules for
/// other tools are never looked at.
struct RuleTable: Sendable {
    let matchers: ContiguousArray<RuleMatcher>
    private let byTool: [String: ContiguousArray<Int32>]
    private let wildcard: ContiguousArray<Int32>

    init(_ matchers: [RuleMatcher]) {
        self.matchers = ContiguousArray(matchers)
        var byTool: [String: ContiguousArray<Int32>] = [:]
        var wildcard: ContiguousArray<Int32> = []
        for (index, matcher) in matchers.enumerated() {
            if let tool = matcher.tool.exactName {
                byTool[tool, default: []].append(Int32(index))
            } else {
                wildcard.append(Int32(index))
            }
        }
        self.byTool = byTool
        self.wildcard = wildcard
    }

    var isEmpty: Bool { matchers.isEmpty }

    /// Index of the first rule (in file order) whose conditions all hold, or nil.
    func firstMatch(_ input: inout PolicyInput) -> Int? {
        if matchers.isEmpty { return nil }
        let noBucket: ContiguousArray<Int32> = []
        let exact = byTool[input.request.tool] ?? noBucket
        return exact.withUnsafeBufferPointer { exact in
            wildcard.withUnsafeBufferPointer { wildcard in
                matchers.withUnsafeBufferPointer { matchers in
                    var i = 0, j = 0
                    while true {
                        let a = i < exact.count ? exact[i] : .max
                        let b = j < wildcard.count ? wildcard[j] : .max
                        let index: Int32
                        if a < b {
                            index = a
                            i += 1
                        } else if b != .max {
                            index = b
                            j += 1
                        } else {
                            return nil
                        }
                        if matchers[Int(index)].firstFailure(&input) == nil { return Int(index) }
                    }
                }
            }
        }
    }
}
