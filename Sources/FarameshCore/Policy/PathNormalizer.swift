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
            let slash = UInt8(ascii: "/")
            let dot = UInt8(ascii: ".")
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
