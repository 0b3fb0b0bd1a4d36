/// Splits a migration file into single statements (the extended query protocol runs one
/// statement per query). Understands `'…'` and `E'…'` strings, `"…"` identifiers,
/// `$tag$…$tag$` bodies, `--` line comments and nested `/* */` comments; semicolons inside
/// them do not split. Statements that are empty or only comments are dropped.
enum SQLScript {
    static func statements(in script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var hasContent = false
        var i = 0

        func flush() {
            let text = String(current).trimmingWhitespace()
            if hasContent, !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            hasContent = false
        }

        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "-" where next == "-":
                // Line comment: skip to end of line.
                while i < chars.count, chars[i] != "\n" { i += 1 }
                continue
            case "/" where next == "*":
                var depth = 0
                while i < chars.count {
                    if chars[i] == "/", i + 1 < chars.count, chars[i + 1] == "*" {
                        depth += 1
                        i += 2
                        continue
                    }
                    if chars[i] == "*", i + 1 < chars.count, chars[i + 1] == "/" {
                        depth -= 1
                        i += 2
                        if depth == 0 { break }
                        continue
                    }
                    i += 1
                }
                current.append(" ")
                continue
            case "'", "\"":
                let backslashEscapes = c == "'" && i > 0 && (chars[i - 1] == "E" || chars[i - 1] == "e")
                current.append(c)
                hasContent = true
                i += 1
                while i < chars.count {
                    let d = chars[i]
                    current.append(d)
                    i += 1
                    if backslashEscapes, d == "\\", i < chars.count {
                        current.append(chars[i])
                        i += 1
                        continue
                    }
                    if d == c {
                        // A doubled quote is an escaped quote, not the end.
                        if i < chars.count, chars[i] == c {
                            current.append(chars[i])
                            i += 1
                            continue
                        }
                        break
                    }
                }
                continue
            case "$":
                if let tagEnd = dollarTagEnd(chars, from: i) {
                    let tag = Array(chars[i...tagEnd])
                    current.unicodeScalars(append: tag)
                    hasContent = true
                    i = tagEnd + 1
                    while i < chars.count {
                        if chars[i] == "$", i + tag.count <= chars.count, Array(chars[i..<(i + tag.count)]) == tag {
                            current.unicodeScalars(append: tag)
                            i += tag.count
                            break
                        }
                        current.append(chars[i])
                        i += 1
                    }
                    continue
                }
            case ";":
                flush()
                i += 1
                continue
            default:
                break
            }
            if !c.properties.isWhitespace { hasContent = true }
            current.append(c)
            i += 1
        }
        flush()
        return statements
    }

    /// Index of the closing `$` of a dollar-quote opening tag starting at `start`, if it is one
    /// (`$$` or `$name$`, name = letters, digits, `_`, not starting with a digit).
    private static func dollarTagEnd(_ chars: [Unicode.Scalar], from start: Int) -> Int? {
        var j = start + 1
        while j < chars.count {
            let c = chars[j]
            if c == "$" { return j }
            let isLetter = c.properties.isAlphabetic || c == "_"
            let isDigit = ("0"..."9").contains(c)
            guard isLetter || (isDigit && j > start + 1) else { return nil }
            j += 1
        }
        return nil
    }
}

extension String.UnicodeScalarView {
    fileprivate mutating func unicodeScalars(append scalars: [Unicode.Scalar]) {
        for s in scalars { append(s) }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
