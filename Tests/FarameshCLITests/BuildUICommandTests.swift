import FarameshCore
import FarameshServer
import Foundation
import Testing

/// `faramesh build-ui`: the real binary writes the very files `serve` embeds.
@Suite("faramesh build-ui")
struct BuildUICommandTests {
    @Test("writes index.html and ui/* byte for byte as served")
    func writesTheEmbeddedAssets() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await CLI.run(["build-ui", "--out", "site", "--json"], directory: directory)
        #expect(result.status == 0, "\(result)")
        guard case .array(let files)? = try result.json()["files"] else { throw HarnessFailure("no files: \(result)") }
        #expect(files.count == WebUIAssets.all.count)
        for asset in WebUIAssets.all {
            let path = directory.appendingPathComponent("site").appendingPathComponent(
                WebUIAssets.relativePath(of: asset)
            )
            let written = try #require(FileManager.default.contents(atPath: path.path), "\(path.path) missing")
            #expect(Array(written) == asset.bytes, "\(asset.name)")
        }
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("site/index.html").path))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("site/ui/app.js").path))
    }

    @Test("--api-url points the page at another origin; bad values are usage errors")
    func apiURL() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await CLI.run(
            ["build-ui", "--out", "site", "--api-url", "https://faramesh.example.com:8443/"],
            directory: directory
        )
        #expect(result.status == 0, "\(result)")
        let page = try String(contentsOf: directory.appendingPathComponent("site/index.html"), encoding: .utf8)
        #expect(page.contains(#"<meta name="faramesh-api-base" content="https://faramesh.example.com:8443">"#))
        for bad in ["ftp://x", "https://x/path", "https://x?q=1", "https://x\"><script>", "not a url", "https://"] {
            let refused = try await CLI.run(["build-ui", "--out", "other", "--api-url", bad], directory: directory)
            #expect(refused.status == 2, "\(bad): \(refused)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("other").path))
    }
}
