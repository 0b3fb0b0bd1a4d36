/// A linear-time matcher (Pike VM over Unicode scalars) for the part of ICU regex syntax
/// policies use: literals, `.`, classes of ASCII characters and ranges, `\d \w \s` (and their
/// negations), `\b \B`, `^ $`, groups `( )` / `(?: )`, `|`, the quantifiers `* + ? {n} {n,}
/// {n,m}` (lazy forms too: only whether a match exists is asked) and a leading `(?i)`.
///
/// It gives `NSRegularExpression.firstMatch(…) != nil`'s answer without ICU's per-call overhead
/// and allocations, and in linear time: ICU backtracks, can take seconds on a short input with
/// nested quantifiers and then silently reports no match. Anything else (other flags,
/// lookarounds, backreferences, possessive quantifiers, Unicode properties, non-ASCII class
/// members, quantified subpatterns that can match empty …) does not compile here and the caller
/// uses ICU. `\d \w \s \b` and `(?i)` follow Unicode rules in ICU; on ASCII text they agree with
/// the ASCII rules used here, so for non-ASCII text such patterns return nil (use ICU).
struct PolicyRegex: Sendable {
    enum Instruction: Sendable {
        case scalar(UInt32)
        case set(ASCIISet)
        /// Any scalar but a line terminator.
        case dot
        case split(Int32, Int32)
        case jump(Int32)
        case assertStart
        case assertEnd
        case wordBoundary(Bool)
        case match
    }

    /// Membership in a set of ASCII characters; `negated` sets match every other scalar.
    struct ASCIISet: Sendable, Hashable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var negated = false

        mutating func insert(_ value: UInt32) {
            if value < 64 { low |= 1 << UInt64(value) } else { high |= 1 << UInt64(value - 64) }
        }

        /// Whether `value` is one of the listed characters (ignoring `negated`).
        func containsMember(_ value: UInt32) -> Bool {
            value < 64 ? (low >> UInt64(value)) & 1 == 1 : value < 128 ? (high >> UInt64(value - 64)) & 1 == 1 : false
        }

        @inline(__always)
        func contains(_ scalar: UInt32) -> Bool {
            let member =
                scalar < 64
                ? (low >> UInt64(scalar)) & 1 == 1
                : scalar < 128 ? (high >> UInt64(scalar - 64)) & 1 == 1 : false
            return member != negated
        }

        static let digits: ASCIISet = {
            var s = ASCIISet()
            for c in 48...57 { s.insert(UInt32(c)) }
            return s
        }()
        static let word: ASCIISet = {
            var s = digits
            for c in 65...90 { s.insert(UInt32(c)) }
            for c in 97...122 { s.insert(UInt32(c)) }
            s.insert(95)
            return s
        }()
        /// ICU `\s` on ASCII (White_Space): tab, newline, vertical tab, form feed, carriage return, space.
        static let space: ASCIISet = {
            var s = ASCIISet()
            for c in [9, 10, 11, 12, 13, 32] { s.insert(UInt32(c)) }
            return s
        }()
    }

    let program: [Instruction]
    /// `\d \w \s \b` (or negations) or `(?i)` appear: ICU's Unicode rules differ on non-ASCII text.
    let needsASCIIText: Bool
    /// Literal bytes every match starts with (≥ 2), used to jump to candidate positions.
    let prefix: [UInt8]?
    /// Bytes a match can start with (ASCII and UTF-8 lead bytes), or nil when unknown.
    let firstBytes: (UInt64, UInt64, UInt64, UInt64)?

    static let maximumProgramSize = 4096

    // MARK: - Matching

    /// Whether the pattern occurs in `text`; nil when ICU must decide (non-ASCII text with
    /// Unicode-sensitive escapes).
    func matches(_ text: String) -> Bool? {
        NamePattern.withBytes(text) { bytes -> Bool? in
            if needsASCIIText && bytes.contains(where: { $0 >= 0x80 }) { return nil }
            // Scratch memory lives on the stack for programs up to 256 instructions (1 KiB each).
            return program.withUnsafeBufferPointer { program in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: program.count) { marks in
                    withUnsafeTemporaryAllocation(of: UInt16.self, capacity: program.count * 2) { lists in
                        marks.initialize(repeating: -1)
                        var vm = Machine(program: program, text: bytes, marks: marks, lists: lists)
                        return vm.run(prefix: prefix, firstBytes: firstBytes)
                    }
                }
            }
        }
    }

    private struct Machine {
        let program: UnsafeBufferPointer<Instruction>
        let text: UnsafeBufferPointer<UInt8>
        /// Generation stamp per instruction: already in the list being built for that position.
        let marks: UnsafeMutableBufferPointer<Int32>
        /// Threads (instruction indexes) at the current position and the next one.
        var current: UnsafeMutableBufferPointer<UInt16>
        var next: UnsafeMutableBufferPointer<UInt16>
        var currentCount = 0
        var nextCount = 0
        var matched = false

        init(
            program: UnsafeBufferPointer<Instruction>,
            text: UnsafeBufferPointer<UInt8>,
            marks: UnsafeMutableBufferPointer<Int32>,
            lists: UnsafeMutableBufferPointer<UInt16>
        ) {
            self.program = program
            self.text = text
            self.marks = marks
            let n = program.count
            current = UnsafeMutableBufferPointer(rebasing: lists[0..<n])
            next = UnsafeMutableBufferPointer(rebasing: lists[n..<(2 * n)])
        }

        /// Unanchored search: threads start only at positions where a match can begin (found with
        /// the literal prefix or the first-byte set), so most of the text is skipped, not stepped.
        mutating func run(prefix: [UInt8]?, firstBytes: (UInt64, UInt64, UInt64, UInt64)?) -> Bool {
            let none = text.count + 1
            var position = 0
            var generation: Int32 = 0
            var nextStart = candidate(from: 0, prefix: prefix, firstBytes: firstBytes)
            while true {
                if currentCount == 0 {
                    // No thread alive: go straight to the next place a match can begin.
                    guard nextStart <= text.count else { return false }
                    position = nextStart
                    generation += 1
                    add(0, at: position, generation: generation)
                    if matched { return true }
                    swapLists()
                    nextStart =
                        position < text.count
                        ? candidate(
                            from: position + decode(at: position).length,
                            prefix: prefix,
                            firstBytes: firstBytes
                        )
                        : none
                    continue
                }
                guard position < text.count else { return false }
                let (scalar, length) = decode(at: position)
                let after = position + length
                generation += 1
                for i in 0..<currentCount {
                    let pc = Int(current[i])
                    let accepted: Bool
                    switch program[pc] {
                    case .scalar(let expected): accepted = scalar == expected
                    case .set(let set): accepted = set.contains(scalar)
                    case .dot: accepted = !Self.isLineTerminator(scalar)
                    default: accepted = false
                    }
                    if accepted {
                        add(pc + 1, at: after, generation: generation)
                        if matched { return true }
                    }
                }
                if nextStart < after { nextStart = candidate(from: after, prefix: prefix, firstBytes: firstBytes) }
                if nextStart == after {
                    add(0, at: after, generation: generation)
                    if matched { return true }
                    nextStart =
                        after < text.count
                        ? candidate(from: after + decode(at: after).length, prefix: prefix, firstBytes: firstBytes)
                        : none
                }
                swapLists()
                position = after
            }
        }

        /// The first position at or after `from` where a match can begin; `text.count + 1` for none.
        private func candidate(from: Int, prefix: [UInt8]?, firstBytes: (UInt64, UInt64, UInt64, UInt64)?) -> Int {
            let none = text.count + 1
            if from > text.count { return none }
            if let prefix {
                return prefix.withUnsafeBufferPointer { NamePattern.find($0, in: text, from: from) } ?? none
            }
            guard let (a, b, c, d) = firstBytes else { return from }
            var i = from
            while i < text.count {
                let byte = text[i]
                let word = byte < 64 ? a : byte < 128 ? b : byte < 192 ? c : d
                if (word >> UInt64(byte & 63)) & 1 == 1 { return i }
                i += 1
            }
            return none
        }

        private mutating func swapLists() {
            swap(&current, &next)
            currentCount = nextCount
            nextCount = 0
        }

        /// Adds the thread at `pc` and everything reachable from it without consuming input.
        private mutating func add(_ pc: Int, at position: Int, generation: Int32) {
            if matched || marks[pc] == generation { return }
            marks[pc] = generation
            switch program[pc] {
            case .jump(let target):
                add(Int(target), at: position, generation: generation)
            case .split(let first, let second):
                add(Int(first), at: position, generation: generation)
                add(Int(second), at: position, generation: generation)
            case .assertStart:
                if position == 0 { add(pc + 1, at: position, generation: generation) }
            case .assertEnd:
                if isEnd(position) { add(pc + 1, at: position, generation: generation) }
            case .wordBoundary(let wanted):
                if isWordBoundary(position) == wanted { add(pc + 1, at: position, generation: generation) }
            case .match:
                matched = true
            case .scalar, .set, .dot:
                next[nextCount] = UInt16(pc)
                nextCount += 1
            }
        }

        @inline(__always)
        private func decode(at i: Int) -> (scalar: UInt32, length: Int) {
            let b0 = UInt32(text[i])
            if b0 < 0x80 { return (b0, 1) }
            if b0 < 0xE0 { return ((b0 & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F), 2) }
            if b0 < 0xF0 {
                return ((b0 & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F), 3)
            }
            return (
                (b0 & 0x07) << 18 | UInt32(text[i + 1] & 0x3F) << 12 | UInt32(text[i + 2] & 0x3F) << 6
                    | UInt32(text[i + 3] & 0x3F), 4
            )
        }

        static func isLineTerminator(_ s: UInt32) -> Bool {
            (s >= 0x0A && s <= 0x0D) || s == 0x85 || s == 0x2028 || s == 0x2029
        }

        /// ICU `$` without MULTILINE: the end, or before one line terminator that ends the text
        /// (`\r\n` counts as one: not between its two characters).
        private func isEnd(_ position: Int) -> Bool {
            if position == text.count { return true }
            let (scalar, length) = decode(at: position)
            if position + length == text.count {
                if scalar == 0x0A && position > 0 && text[position - 1] == 0x0D { return false }
                return Self.isLineTerminator(scalar)
            }
            return scalar == 0x0D && position + 2 == text.count && text[position + 1] == 0x0A
        }

        private func isWordBoundary(_ position: Int) -> Bool {
            let before = position > 0 && ASCIISet.word.contains(UInt32(text[position - 1]))
            let after = position < text.count && ASCIISet.word.contains(UInt32(text[position]))
            return before != after
        }
    }
}

// MARK: - Compilation

extension PolicyRegex {
    private indirect enum Node {
        case scalar(UInt32)
        case set(ASCIISet)
        case dot
        case start
        case end
        case boundary(Bool)
        case concat([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?)
    }

    private struct Unsupported: Error {}

    /// Compiles `pattern`, or nil when it uses syntax this matcher does not implement.
    static func compile(_ pattern: String) -> PolicyRegex? {
        var parser = Parser(pattern: Array(pattern.unicodeScalars))
        if pattern.hasPrefix("(?i)") {
            // A leading (?i): ASCII case-insensitive; non-ASCII text goes to ICU (Unicode case folding).
            parser.index = 4
            parser.caseInsensitive = true
            parser.needsASCIIText = true
        }
        guard let node = try? parser.parseAlternation(), parser.index == parser.pattern.count else { return nil }
        var program: [Instruction] = []
        guard (try? emit(node, into: &program)) != nil else { return nil }
        program.append(.match)
        guard program.count <= maximumProgramSize else { return nil }
        return PolicyRegex(
            program: program,
            needsASCIIText: parser.needsASCIIText,
            prefix: literalPrefix(node),
            firstBytes: firstBytes(program)
        )
    }

    private struct Parser {
        let pattern: [Unicode.Scalar]
        var index = 0
        var needsASCIIText = false
        var caseInsensitive = false

        init(pattern: [Unicode.Scalar]) { self.pattern = pattern }

        private var peek: Unicode.Scalar? { index < pattern.count ? pattern[index] : nil }

        mutating func parseAlternation() throws(Unsupported) -> Node {
            var branches = [try parseConcat()]
            while peek == "|" {
                index += 1
                branches.append(try parseConcat())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        private mutating func parseConcat() throws(Unsupported) -> Node {
            var items: [Node] = []
            while let c = peek, c != "|", c != ")" {
                items.append(try parseRepetition())
            }
            return items.count == 1 ? items[0] : .concat(items)
        }

        private mutating func parseRepetition() throws(Unsupported) -> Node {
            let atom = try parseAtom()
            guard let c = peek else { return atom }
            var bounds: (Int, Int?)
            switch c {
            case "*":
                bounds = (0, nil)
                index += 1
            case "+":
                bounds = (1, nil)
                index += 1
            case "?":
                bounds = (0, 1)
                index += 1
            case "{": bounds = try parseInterval()
            default: return atom
            }
            // ICU stops a loop when an iteration matches the empty string, which can prune matches
            // a plain automaton finds: quantified subpatterns that can match empty are left to ICU.
            if Self.nullable(atom) { throw Unsupported() }
            if peek == "?" {
                index += 1  // lazy: the same answer to "is there a match"
            } else if peek == "+" {
                throw Unsupported()  // possessive quantifiers change which texts match
            }
            if let next = peek, "*+?{".unicodeScalars.contains(next) { throw Unsupported() }
            return .repetition(atom, min: bounds.0, max: bounds.1)
        }

        /// Whether `node` can match the empty string.
        private static func nullable(_ node: Node) -> Bool {
            switch node {
            case .scalar, .set, .dot: return false
            case .start, .end, .boundary: return true
            case .concat(let items): return items.allSatisfy(nullable)
            case .alternation(let branches): return branches.contains(where: nullable)
            case .repetition(let inner, let min, _): return min == 0 || nullable(inner)
            }
        }

        private mutating func parseInterval() throws(Unsupported) -> (Int, Int?) {
            index += 1
            guard let low = parseNumber() else { throw Unsupported() }
            var high: Int? = low
            if peek == "," {
                index += 1
                high = parseNumber()
            }
            guard peek == "}", low <= 100, (high ?? low) <= 100, low <= (high ?? low) else { throw Unsupported() }
            index += 1
            return (low, high)
        }

        private mutating func parseNumber() -> Int? {
            var value: Int?
            while let c = peek, c.value >= 48, c.value <= 57, (value ?? 0) < 10_000 {
                value = (value ?? 0) * 10 + Int(c.value - 48)
                index += 1
            }
            return value
        }

        private mutating func parseAtom() throws(Unsupported) -> Node {
            guard let c = peek else { throw Unsupported() }
            index += 1
            switch c {
            case "(":
                if peek == "?" {
                    guard index + 1 < pattern.count, pattern[index + 1] == ":" else { throw Unsupported() }
                    index += 2
                }
                let inner = try parseAlternation()
                guard peek == ")" else { throw Unsupported() }
                index += 1
                return inner
            case "[": return .set(try parseClass())
            case ".": return .dot
            case "^": return .start
            case "$": return .end
            case "\\": return try parseEscape()
            case "*", "+", "?", "{", "}", ")", "]": throw Unsupported()
            default:
                if caseInsensitive, let other = Self.otherCase(c.value) {
                    var set = ASCIISet()
                    set.insert(c.value)
                    set.insert(other)
                    return .set(set)
                }
                return .scalar(c.value)
            }
        }

        private mutating func parseEscape() throws(Unsupported) -> Node {
            guard let c = peek else { throw Unsupported() }
            index += 1
            switch c {
            case "d", "D", "w", "W", "s", "S":
                needsASCIIText = true
                var set = c == "d" || c == "D" ? ASCIISet.digits : c == "w" || c == "W" ? ASCIISet.word : ASCIISet.space
                set.negated = c == "D" || c == "W" || c == "S"
                return .set(set)
            case "b", "B":
                needsASCIIText = true
                return .boundary(c == "b")
            default:
                return .scalar(try escapedCharacter(c))
            }
        }

        /// `\t \n \r \f` and escaped ASCII punctuation.
        private func escapedCharacter(_ c: Unicode.Scalar) throws(Unsupported) -> UInt32 {
            switch c {
            case "t": return 9
            case "n": return 10
            case "r": return 13
            case "f": return 12
            default:
                let v = c.value
                let alphanumeric = (v >= 48 && v <= 57) || (v >= 65 && v <= 90) || (v >= 97 && v <= 122)
                guard v < 128, !alphanumeric else { throw Unsupported() }
                return v
            }
        }

        private mutating func parseClass() throws(Unsupported) -> ASCIISet {
            var set = ASCIISet()
            if peek == "^" {
                set.negated = true
                index += 1
            }
            if peek == "]" || peek == ":" { throw Unsupported() }
            let first = index
            var previous: UInt32?
            while let c = peek, c != "]" {
                index += 1
                var member: UInt32
                switch c {
                case "[": throw Unsupported()  // nested sets
                case "&" where peek == "&": throw Unsupported()  // set intersection
                case "\\":
                    guard let e = peek else { throw Unsupported() }
                    index += 1
                    if e == "d" || e == "w" || e == "s" {
                        needsASCIIText = true
                        let shorthand = e == "d" ? ASCIISet.digits : e == "w" ? ASCIISet.word : ASCIISet.space
                        set.low |= shorthand.low
                        set.high |= shorthand.high
                        previous = nil
                        continue
                    }
                    member = try escapedCharacter(e)
                case "-":
                    if index - 1 == first || peek == "]" {
                        member = c.value  // a literal '-' first or last in the class
                        break
                    }
                    guard let low = previous, let upper = peek, "\\[]-&".unicodeScalars.contains(upper) == false,
                        upper.value < 128, low <= upper.value
                    else { throw Unsupported() }
                    index += 1
                    for v in low...upper.value { set.insert(v) }
                    previous = nil
                    continue
                default:
                    member = c.value
                }
                guard member < 128 else { throw Unsupported() }
                set.insert(member)
                previous = member
            }
            guard peek == "]" else { throw Unsupported() }
            index += 1
            if caseInsensitive {
                for letter in UInt32(65)...90 where set.containsMember(letter) || set.containsMember(letter + 32) {
                    set.insert(letter)
                    set.insert(letter + 32)
                }
            }
            return set
        }

        /// The other case of an ASCII letter.
        static func otherCase(_ value: UInt32) -> UInt32? {
            if value >= 65 && value <= 90 { return value + 32 }
            if value >= 97 && value <= 122 { return value - 32 }
            return nil
        }
    }

    private static func emit(_ node: Node, into program: inout [Instruction]) throws(Unsupported) {
        guard program.count <= maximumProgramSize else { throw Unsupported() }
        switch node {
        case .scalar(let value): program.append(.scalar(value))
        case .set(let set): program.append(.set(set))
        case .dot: program.append(.dot)
        case .start: program.append(.assertStart)
        case .end: program.append(.assertEnd)
        case .boundary(let wanted): program.append(.wordBoundary(wanted))
        case .concat(let items):
            for item in items { try emit(item, into: &program) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (i, branch) in branches.enumerated() {
                if i < branches.count - 1 {
                    let split = program.count
                    program.append(.split(0, 0))
                    try emit(branch, into: &program)
                    jumps.append(program.count)
                    program.append(.jump(0))
                    program[split] = .split(Int32(split + 1), Int32(program.count))
                } else {
                    try emit(branch, into: &program)
                }
            }
            for jump in jumps { program[jump] = .jump(Int32(program.count)) }
        case .repetition(let inner, let min, let max):
            for _ in 0..<min { try emit(inner, into: &program) }
            if let max {
                var skips: [Int] = []
                for _ in min..<max {
                    skips.append(program.count)
                    program.append(.split(0, 0))
                    try emit(inner, into: &program)
                }
                for skip in skips { program[skip] = .split(Int32(skip + 1), Int32(program.count)) }
            } else {
                let loop = program.count
                program.append(.split(0, 0))
                try emit(inner, into: &program)
                program.append(.jump(Int32(loop)))
                program[loop] = .split(Int32(loop + 1), Int32(program.count))
            }
        }
    }

    /// The literal scalars a match must start with, as UTF-8, when there are at least 2 bytes.
    private static func literalPrefix(_ node: Node) -> [UInt8]? {
        let items: [Node]
        switch node {
        case .concat(let list): items = list
        default: items = [node]
        }
        var bytes: [UInt8] = []
        for item in items {
            guard case .scalar(let value) = item, let scalar = Unicode.Scalar(value) else { break }
            bytes.append(contentsOf: String(Character(scalar)).utf8)
        }
        return bytes.count >= 2 ? bytes : nil
    }

    /// Bytes the first consumed scalar can start with; nil when anything can start a match.
    private static func firstBytes(_ program: [Instruction]) -> (UInt64, UInt64, UInt64, UInt64)? {
        var words: [UInt64] = [0, 0, 0, 0]
        var seen = Set<Int>()
        var stack = [0]
        func set(_ byte: Int) { words[byte >> 6] |= 1 << UInt64(byte & 63) }
        while let pc = stack.popLast() {
            guard seen.insert(pc).inserted else { continue }
            switch program[pc] {
            case .jump(let target): stack.append(Int(target))
            case .split(let a, let b):
                stack.append(Int(a))
                stack.append(Int(b))
            case .assertStart, .assertEnd, .wordBoundary: stack.append(pc + 1)
            case .match: return nil
            case .dot: return nil
            case .set(let s):
                if s.negated { return nil }
                for byte in 0..<128 where s.contains(UInt32(byte)) { set(byte) }
            case .scalar(let value):
                guard let scalar = Unicode.Scalar(value) else { return nil }
                set(Int(String(Character(scalar)).utf8.first ?? 0))
            }
        }
        return (words[0], words[1], words[2], words[3])
    }
}
