/// Splits a migration file into single statements (SQLiteNIO prepares one statement per query,
/// and this SQLite build omits `sqlite3_complete`).
///
/// Understands `'…'` strings, `"…"`, `` `…` `` and `[…]` identifiers, `--` line comments and
/// `/* */` comments; semicolons inside them do not split. In `CREATE TRIGGER` a semicolon ends
/// the statement only after the body's closing `END`. Statements that are empty or only comments
/// are dropped.
enum SQLiteScript {
    static func statements(in script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        /// Words outside quotes and comments, upper-cased: to recognise triggers and their END.
        var words: [String] = []
        var word = ""
        var i = 0

        func endWord() {
            if !word.isEmpty {
                words.append(word.uppercased())
                word = ""
            }
        }

        func flush() {
            let text = String(current).trimmingWhitespace()
            if !text.isEmpty { statements.append(text) }
            current = String.UnicodeScalarView()
            words = []
        }

        /// True while the statement is a trigger whose `BEGIN … END` body has not closed yet
        /// (`CASE … END` inside the body nests).
        func insideTriggerBody() -> Bool {
            guard words.first == "CREATE", words.prefix(4).contains("TRIGGER") else { return false }
            var depth = 0
            var sawBegin = false
            for w in words {
                switch w {
                case "BEGIN":
                    depth += 1
                    sawBegin = true
                case "CASE": depth += 1
                case "END": depth -= 1
                default: break
                }
            }
            return !sawBegin || depth > 0
        }

        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            switch c {
            case "-" where next == "-":
                endWord()
                while i < chars.count, chars[i] != "\n" { i += 1 }
                current.append(" ")
                continue
            case "/" where next == "*":
                endWord()
                i += 2
                while i < chars.count, !(chars[i] == "*" && i + 1 < chars.count && chars[i + 1] == "/") { i += 1 }
                i = min(i + 2, chars.count)
                current.append(" ")
                continue
            case "'", "\"", "`", "[":
                endWord()
                let close: Unicode.Scalar = c == "[" ? "]" : c
                current.append(c)
                i += 1
                while i < chars.count {
                    let d = chars[i]
                    current.append(d)
                    i += 1
                    if d == close {
                        // A doubled quote is an escaped quote, not the end ([…] has no escape).
                        if close != "]", i < chars.count, chars[i] == close {
                            current.append(chars[i])
                            i += 1
                            continue
                        }
                        break
                    }
                }
                continue
            case ";":
                endWord()
                if insideTriggerBody() {
                    current.append(c)
                    i += 1
                    continue
                }
                flush()
                i += 1
                continue
            default:
                if c.properties.isAlphabetic || c == "_" || ("0"..."9").contains(c) {
                    word.unicodeScalars.append(c)
                } else {
                    endWord()
                }
            }
            current.append(c)
            i += 1
        }
        endWord()
        flush()
        return statements
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
