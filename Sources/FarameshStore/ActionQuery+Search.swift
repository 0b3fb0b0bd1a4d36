/// What both backends need to run `ActionQuery.text`: one list of searched columns and one
/// literal LIKE pattern, so the two SQL dialects cannot drift apart.
extension ActionQuery {
    /// The columns `ActionQuery.text` searches.
    package static let searchedColumns = ["id", "agent_id", "tool", "operation", "reason"]

    /// `text` as a LIKE pattern matching it anywhere, taken literally: `%`, `_` and `\` escaped
    /// (used with `ESCAPE '\'`).
    package static func containsPattern(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        out.append("%")
        for scalar in text.unicodeScalars {
            if scalar == "%" || scalar == "_" || scalar == "\\" { out.append("\\") }
            out.append(scalar)
        }
        out.append("%")
        return String(out)
    }
}
