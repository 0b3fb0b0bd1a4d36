import ArgumentParser
import FarameshCore
import FarameshServer
import Foundation

/// `faramesh build-ui --out DIR`: writes the web UI that `serve` embeds (the very same bytes) to a
/// folder, for serving it from another web server. Nothing is compiled: the files are hand-written
/// HTML, CSS and JavaScript modules.
struct BuildUICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build-ui",
        abstract: "Write the web UI's files (index.html, ui/*) to a folder.",
        discussion: """
            `faramesh serve` already serves the UI at /; use this to host it elsewhere. Serve index.html at / and \
            ui/* at /ui/*, with the headers `faramesh serve` sends (Content-Security-Policy \
            "\(BuildUICommand.policyPreview)…", X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer). When the \
            API is on another origin, give it with --api-url, add it to connect-src, and start the server with --enable-cors.
            """
    )

    static let policyPreview = "default-src 'self'; script-src 'self'"

    @Option(name: .customLong("out"), help: "Folder to write to (created when missing).")
    var out: String = "faramesh-ui"

    @Option(
        name: .customLong("api-url"),
        help: "Origin of the Faramesh API, when it is not the page's own origin (http(s)://host[:port])."
    )
    var apiURL: String?

    @Flag(name: .customLong("json"), help: "Print the written files as JSON.")
    var json = false

    func validate() throws {
        if let apiURL {
            guard let url = URL(string: apiURL), let scheme = url.scheme?.lowercased(),
                ["http", "https"].contains(scheme),
                url.host != nil, url.query == nil, url.fragment == nil, url.path.isEmpty || url.path == "/",
                apiURL.unicodeScalars.allSatisfy({
                    $0.value > 0x20 && $0.value < 0x7F && !"\"'<>&".unicodeScalars.contains($0)
                })
            else {
                throw ValidationError(
                    "--api-url must be an origin such as https://faramesh.example.com:8443 (no path, query or quotes)"
                )
            }
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: self.out, isDirectory: true)
        let manager = FileManager.default
        var written: [(path: String, bytes: Int)] = []
        for asset in WebUIAssets.all {
            let relative = WebUIAssets.relativePath(of: asset)
            let target = folder.appendingPathComponent(relative)
            do {
                try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
                var bytes = asset.bytes
                if asset.name == "index.html", let apiURL {
                    let origin = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
                    let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
                        of: #"<meta name="faramesh-api-base" content="">"#,
                        with: #"<meta name="faramesh-api-base" content="\#(origin)">"#
                    )
                    bytes = Array(text.utf8)
                }
                try Data(bytes).write(to: target, options: .atomic)
                written.append((relative, bytes.count))
            } catch {
                throw CLIError("cannot write \(target.path): \(error.localizedDescription)")
            }
        }
        if json {
            let files: [JSONValue] = written.map {
                .object(["path": .string($0.path), "bytes": .int(Int64($0.bytes))])
            }
            print(CanonicalJSON.string(.object(["out": .string(folder.path), "files": .array(files)])))
        } else {
            for file in written {
                print("wrote \(folder.appendingPathComponent(file.path).path) (\(file.bytes) bytes)")
            }
        }
    }
}
