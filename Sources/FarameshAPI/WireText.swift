/// Rules for the short text fields of requests (`agent_id`, `tool`, `operation`, tokens).
///
/// The OpenAPI document states the same rules as a `pattern` and `maxLength`, so the server and
/// the document agree exactly: at most 256 code points, no control characters (Unicode Cc), and
/// at least one character that is not whitespace. Surrounding whitespace is trimmed; the trimmed
/// value is what is stored and hashed.
package enum WireText {
    /// Maximum length in Unicode code points, counted before trimming.
    package static let maxIdentifierLength = 256

    /// Whitespace that is not a control character (ECMAScript `\s` minus the controls).
    @inlinable
    package static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
        default: return false
        }
    }

    /// Unicode general category Cc.
    @inlinable
    package static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value <= 0x9F)
    }

    /// Unicode general category Cf (format characters: bidi overrides and isolates, zero-width
    /// spaces and joiners, the BOM, tag characters, ...). They render as nothing or reorder text,
    /// so a name holding one can display exactly like another name.
    @inlinable
    package static func isFormat(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value >= 0xAD && scalar.properties.generalCategory == .format
    }

    /// True when `text` holds a format character (`isFormat`).
    package static func containsFormatCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains(where: self.isFormat)
    }

    /// An identifier that names a principal or a tool (`agent_id`, `tool`, token names): the
    /// `identifier` rules, and no format characters, so a list cannot show `trusted-bot` for a
    /// different name.
    package static func name(
        _ raw: String,
        field: String,
        maxLength: Int = maxIdentifierLength
    ) throws(WireValidationError) -> String {
        let value = try self.identifier(raw, field: field, maxLength: maxLength)
        if self.containsFormatCharacter(raw) {
            throw WireValidationError(
                field: field,
                message:
                    "must not contain invisible format characters (Unicode Cf: bidi controls, zero-width characters)"
            )
        }
        return value
    }

    /// Validates and trims an identifier-like field.
    package static func identifier(
        _ raw: String,
        field: String,
        maxLength: Int = maxIdentifierLength
    ) throws(WireValidationError) -> String {
        var count = 0
        for scalar in raw.unicodeScalars {
            count += 1
            if self.isControl(scalar) {
                throw WireValidationError(field: field, message: "must not contain control characters")
            }
        }
        if count > maxLength {
            throw WireValidationError(field: field, message: "must be at most \(maxLength) characters")
        }
        let scalars = raw.unicodeScalars
        guard let first = scalars.firstIndex(where: { !self.isWhitespace($0) }),
            let last = scalars.lastIndex(where: { !self.isWhitespace($0) })
        else {
            throw WireValidationError(field: field, message: "must not be empty")
        }
        if first == scalars.startIndex && last == scalars.index(before: scalars.endIndex) { return raw }
        return String(scalars[first...last])
    }

    /// Free text (reasons, error messages): at most `maxLength` code points, and no U+0000
    /// (PostgreSQL text cannot hold it; other control characters are kept and shown escaped by
    /// the CLI).
    package static func text(_ raw: String, field: String, maxLength: Int) throws(WireValidationError) -> String {
        var count = 0
        for scalar in raw.unicodeScalars {
            count += 1
            if scalar.value == 0 {
                throw WireValidationError(field: field, message: "must not contain U+0000 (NUL)")
            }
        }
        if count > maxLength {
            throw WireValidationError(field: field, message: "must be at most \(maxLength) characters")
        }
        return raw
    }

    /// `text` cut to `maxLength` code points with a marker, for values that must not be rejected.
    package static func truncated(_ text: String, maxLength: Int) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > maxLength else { return text }
        let end = scalars.index(scalars.startIndex, offsetBy: maxLength)
        return String(scalars[..<end]) + "... (truncated)"
    }
}
