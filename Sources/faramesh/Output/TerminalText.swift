/// Agent-supplied text made safe for a terminal: every control character (C0, DEL, C1; so ESC,
/// CSI and OSC sequences too) is shown as a visible escape instead of being sent to the
/// terminal, so an action's params, reason or agent id can never move the cursor, rewrite the
/// title, set the clipboard or hide text in `faramesh get`, `list`, `logs`, `events`, `tail`,
/// `explain` and the other commands. Only the CLI's own colours are real escape sequences.
enum TerminalText {
    /// `\n`, `\r`, `\t` by name, other C0 and DEL as `\xNN`, C1 as `\u{NN}`; a backslash stays
    /// a backslash (the output is for reading, not for parsing back).
    static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: Self.isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            guard Self.isControl(scalar) else {
                out.append(scalar)
                continue
            }
            let escaped: String
            switch scalar.value {
            case 0x0A: escaped = "\\n"
            case 0x0D: escaped = "\\r"
            case 0x09: escaped = "\\t"
            case 0x80...0x9F: escaped = "\\u{" + Self.hex(scalar.value) + "}"
            default: escaped = "\\x" + Self.hex(scalar.value)
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    /// Unicode general category Cc: U+0000–U+001F, U+007F–U+009F.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    fileprivate static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }
}

extension TerminalText {
    /// JSON text with every control character that is still raw (DEL and C1; JSON requires only
    /// C0 to be escaped) written as a `\u00XX` escape: the same JSON value, safe on a terminal.
    static func json(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: Self.isControl) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if Self.isControl(scalar) {
                out.append(contentsOf: ("\\u00" + Self.hex(scalar.value)).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
