import ArgumentParser
import FarameshCore
import Foundation

/// Writes a set of scaffold files: all or nothing, and never over existing files unless forced.
struct ProjectFiles {
    /// Relative path → contents.
    var files: [(path: String, contents: String)]

    /// - Throws: `CLIError` naming the files that exist with other contents (without `force`),
    ///   or the first write failure.
    /// - Returns: the paths written (files that already hold exactly these contents are left alone).
    func write(into directory: String, force: Bool) throws -> [String] {
        let manager = FileManager.default
        let root = URL(fileURLWithPath: directory, isDirectory: true)
        var pending: [(path: String, url: URL, data: Data)] = []
        var conflicts: [String] = []
        for file in files {
            let url = root.appendingPathComponent(file.path)
            let data = Data((file.contents + "\n").utf8)
            if let existing = manager.contents(atPath: url.path) {
                if existing == data { continue }
                conflicts.append(file.path)
            } else if manager.fileExists(atPath: url.path) {
                conflicts.append(file.path)
            }
            pending.append((file.path, url, data))
        }
        if !conflicts.isEmpty && !force {
            throw CLIError("refusing to overwrite \(conflicts.joined(separator: ", ")) (use --force)")
        }
        for file in pending {
            do {
                try manager.createDirectory(at: file.url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try file.data.write(to: file.url, options: .atomic)
            } catch {
                throw CLIError("cannot write \(file.url.path): \(error.localizedDescription)")
            }
        }
        return pending.map(\.path)
    }
}

extension ProjectFiles {
    static func json(_ written: [String], directory: String) -> String {
        CanonicalJSON.string(
            .object(["directory": .string(directory), "written": .array(written.map(JSONValue.string))])
        )
    }

    /// Writes the files as `options` say and reports what was written: JSON, or a list and the
    /// numbered next steps. `kind` names the set ("starter", "Docker").
    func scaffold(_ options: ScaffoldOptions, kind: String, nextSteps: [String]) throws {
        let written = try write(into: options.directory, force: options.force)
        if options.json {
            print(Self.json(written, directory: options.directory))
            return
        }
        print(
            written.isEmpty
                ? "The \(kind) files in \(options.directory) are up to date."
                : "Created \(kind) files in \(options.directory):"
        )
        for path in written { print("  \(path)") }
        print("")
        print("Next steps:")
        for (index, step) in nextSteps.enumerated() { print("  \(index + 1). \(step)") }
    }
}

/// Options shared by `init` and `init-docker`.
struct ScaffoldOptions: ParsableArguments {
    @Flag(help: "Overwrite existing files.")
    var force = false

    @Option(help: "Directory to write into.")
    var directory = "."

    @Flag(help: "Print JSON.")
    var json = false
}
