import FarameshAPI
import FarameshCore
import FarameshTestSupport
import Foundation
import HTTPTypes
import Testing

@testable import FarameshServer

/// The embedded web UI: the generated file matches the sources, and the routes serve it with the
/// right types, validators, compression and security headers, without authentication.
@Suite struct WebUITests {
    static let assetsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/FarameshServer/WebUI/assets")

    static func sourceFiles() throws -> [String: [UInt8]] {
        let names = try FileManager.default.contentsOfDirectory(atPath: assetsFolder.path).filter { !$0.hasPrefix(".") }
        var files: [String: [UInt8]] = [:]
        for name in names {
            files[name] = Array(try Data(contentsOf: assetsFolder.appendingPathComponent(name)))
        }
        return files
    }

    static func gunzip(_ bytes: [UInt8]) async throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-dc"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let reader = Task.detached { output.fileHandleForReading.readDataToEndOfFile() }
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let data = await reader.value
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("gzip -dc failed") }
        return Array(data)
    }

    @Test("the generated Swift file holds exactly the asset sources (else run scripts/gen-ui-assets.py)")
    func generatedFileIsCurrent() async throws {
        let sources = try Self.sourceFiles()
        #expect(
            Set(sources.keys) == Set(WebUIAssets.all.map(\.name)),
            "asset set changed: run python3 scripts/gen-ui-assets.py"
        )
        for asset in WebUIAssets.all {
            let source = try #require(sources[asset.name])
            #expect(asset.bytes == source, "\(asset.name) is stale: run python3 scripts/gen-ui-assets.py")
            #expect(asset.sha256 == SHA256Hex.hash(source), "\(asset.name) hash")
            let unpacked = try await Self.gunzip(asset.gzipped)
            #expect(unpacked == source, "\(asset.name) gzip copy")
        }
        #expect(WebUIAssets.index != nil)
    }

    @Test("no inline script, style or handler in the page; no HTML-parsing sinks in the modules")
    func sourcesAvoidWhatTheCSPForbids() throws {
        let sources = try Self.sourceFiles()
        let page = String(decoding: try #require(sources["index.html"]), as: UTF8.self)
        #expect(page.range(of: #"<script(?![^>]*\bsrc=)"#, options: .regularExpression) == nil, "inline <script>")
        #expect(page.range(of: #"\sstyle\s*="#, options: .regularExpression) == nil, "style attribute")
        #expect(page.range(of: #"<style"#, options: .regularExpression) == nil, "<style> element")
        #expect(page.range(of: #"\son[a-z]+\s*="#, options: .regularExpression) == nil, "inline event handler")
        for (name, bytes) in sources where name.hasSuffix(".js") {
            let text = String(decoding: bytes, as: UTF8.self)
            for sink in [
                "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function",
                "setAttribute(\"style\"", ".style.",
            ] {
                #expect(!text.contains(sink), "\(name) uses \(sink)")
            }
        }
    }

    @Test("GET / serves the page without a token, with the security headers", arguments: TestBackend.all)
    func pageIsPublicWithSecurityHeaders(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let reply = try await h.send(.get, "/")
            #expect(reply.status == .ok)
            #expect(reply.headers[.contentType] == "text/html; charset=utf-8")
            #expect(reply.bytes == WebUIAssets.index?.bytes)
            let csp = try #require(reply.headers[.contentSecurityPolicy])
            for directive in [
                "default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'",
                "object-src 'none'", "base-uri 'none'", "require-trusted-types-for 'script'",
            ] {
                #expect(csp.contains(directive), "CSP lacks \(directive)")
            }
            #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"))
            #expect(reply.headers[.xContentTypeOptions] == "nosniff")
            #expect(reply.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(reply.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(reply.headers[.cacheControl] == "no-cache")
            #expect(reply.headers[.vary] == "Accept-Encoding")
            #expect(reply.headers[.eTag]?.hasPrefix("\"") == true)
            #expect(reply.headers[.contentEncoding] == nil)
            #expect(reply.headers[.contentLength] == String(reply.bytes.count))
        }
    }

    @Test("each asset has its content type and headers", arguments: TestBackend.all)
    func assetsHaveTheirContentTypes(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            for (name, type) in [
                ("app.js", "text/javascript; charset=utf-8"), ("queue.js", "text/javascript; charset=utf-8"),
                ("app.css", "text/css; charset=utf-8"), ("favicon.svg", "image/svg+xml"),
                ("theme.js", "text/javascript; charset=utf-8"),
            ] {
                let reply = try await h.send(.get, "/ui/\(name)")
                #expect(reply.status == .ok, "\(name)")
                #expect(reply.headers[.contentType] == type, "\(name)")
                #expect(reply.headers[.xContentTypeOptions] == "nosniff", "\(name)")
                #expect(reply.headers[.contentSecurityPolicy] != nil, "\(name)")
                #expect(reply.bytes == WebUIAssets.byName[name]?.bytes, "\(name)")
            }
            // Every served file is reachable where index.html points.
            let page = String(decoding: try await h.send(.get, "/").bytes, as: UTF8.self)
            for asset in WebUIAssets.all
            where asset.name.hasSuffix(".css") || asset.name == "app.js" || asset.name == "theme.js" {
                #expect(page.contains("/ui/\(asset.name)"), "index.html does not load \(asset.name)")
            }
        }
    }

    @Test("HEAD answers the GET headers without a body", arguments: TestBackend.all)
    func head(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let get = try await h.send(.get, "/")
            let head = try await h.send(.head, "/")
            #expect(head.status == .ok)
            #expect(head.bytes.isEmpty)
            #expect(head.headers[.eTag] == get.headers[.eTag])
            #expect(head.headers[.contentType] == "text/html; charset=utf-8")
            #expect(head.headers[.contentSecurityPolicy] == get.headers[.contentSecurityPolicy])
            let asset = try await h.send(.head, "/ui/app.css")
            #expect(asset.status == .ok && asset.bytes.isEmpty)
        }
    }

    @Test("If-None-Match with the ETag answers 304 with no body", arguments: TestBackend.all)
    func conditionalRequests(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let first = try await h.send(.get, "/ui/app.js")
            let etag = try #require(first.headers[.eTag])
            for tag in [etag, "W/\(etag)", "\"other\", \(etag)", "*"] {
                let again = try await h.send(.get, "/ui/app.js", headers: [.ifNoneMatch: tag])
                #expect(again.status == .notModified, "\(tag)")
                #expect(again.bytes.isEmpty)
                #expect(again.headers[.eTag] == etag)
                #expect(again.headers[.cacheControl] == "no-cache")
            }
            let zipped = try await h.send(.get, "/ui/app.js", headers: [.acceptEncoding: "gzip"])
            let zippedTag = try #require(zipped.headers[.eTag])
            #expect(zippedTag != etag, "each representation has its own tag")
            let revalidated = try await h.send(
                .get,
                "/ui/app.js",
                headers: [.acceptEncoding: "gzip", .ifNoneMatch: zippedTag]
            )
            #expect(revalidated.status == .notModified)
            let changed = try await h.send(.get, "/ui/app.js", headers: [.ifNoneMatch: "\"0123456789abcdef\""])
            #expect(changed.status == .ok)
            #expect(changed.bytes == WebUIAssets.byName["app.js"]?.bytes)
        }
    }

    @Test("gzip only when the client accepts it", arguments: TestBackend.all)
    func compression(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            let raw = try #require(WebUIAssets.byName["app.css"]?.bytes)
            for accept in ["gzip", "deflate, gzip;q=0.8", "*", "br, *;q=0.5", "GZIP"] {
                let reply = try await h.send(.get, "/ui/app.css", headers: [.acceptEncoding: accept])
                #expect(reply.headers[.contentEncoding] == "gzip", "\(accept)")
                #expect(reply.bytes.count < raw.count, "\(accept)")
                let unpacked = try await Self.gunzip(reply.bytes)
                #expect(unpacked == raw, "\(accept)")
                #expect(reply.headers[.contentLength] == String(reply.bytes.count))
            }
            for accept in ["identity", "br", "gzip;q=0", "*;q=0", "gzip;q=0, br"] {
                let reply = try await h.send(.get, "/ui/app.css", headers: [.acceptEncoding: accept])
                #expect(reply.headers[.contentEncoding] == nil, "\(accept)")
                #expect(reply.bytes == raw, "\(accept)")
            }
        }
    }

    @Test("unknown assets are JSON 404s; other methods are 405", arguments: TestBackend.all)
    func unknownAssets(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            for path in [
                "/ui/nope.js", "/ui/index.html", "/ui/..%2FPackage.swift", "/ui/", "/index.html", "/ui/app.js/x",
            ] {
                let reply = try await h.send(.get, path)
                #expect(reply.status == .notFound, "\(path)")
                #expect(reply.headers[.contentType] == "application/json", "\(path)")
                #expect(try reply.error().code == "NOT_FOUND", "\(path)")
            }
            let post = try await h.send(.post, "/", body: "{}")
            #expect(post.status == .methodNotAllowed)
            #expect(post.headers[.allow] == "GET, HEAD")
            let postAsset = try await h.send(.post, "/ui/app.js", body: "{}")
            #expect(postAsset.status == .methodNotAllowed)
        }
    }

    @Test("GET /v1/auth/whoami names the caller and its role", arguments: TestBackend.all)
    func whoami(_ backend: TestBackend) async throws {
        try await ServerHarness.run(backend) { h in
            for (token, name, role, canApprove) in [
                (ServerHarness.agentToken, "agent-1", "agent", false),
                (ServerHarness.approverToken, "approver-1", "approver", true),
                (ServerHarness.adminToken, "bootstrap-admin", "admin", true),
            ] {
                let reply = try await h.send(.get, "/v1/auth/whoami", token: token)
                #expect(reply.status == .ok)
                let me = try WhoAmIResponse(json: try reply.json())
                #expect(me == WhoAmIResponse(name: name, role: role, local: false, canApprove: canApprove))
            }
            for token in [nil, "wrong-token", ServerHarness.revokedToken] as [String?] {
                let reply = try await h.send(.get, "/v1/auth/whoami", token: token)
                #expect(reply.status == .unauthorized)
                #expect(try reply.error().code == "UNAUTHORIZED")
            }
        }
        try await ServerHarness.run(backend, withTokens: false, configure: { $0.bootstrapTokens = [] }) { h in
            let reply = try await h.send(.get, "/v1/auth/whoami")
            #expect(reply.status == .ok)
            #expect(
                try WhoAmIResponse(json: try reply.json())
                    == WhoAmIResponse(name: "local", role: "admin", local: true, canApprove: true)
            )
        }
    }
}
