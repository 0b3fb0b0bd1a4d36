import Foundation

/// One embedded file as `scripts/gen-ui-assets.py` wrote it (base64 text compiles fast).
struct GeneratedUIAsset: Sendable {
    var name: String
    var sha256: String
    var base64: String
    var gzipBase64: String
}

/// One web UI file, decoded once, ready to serve.
package struct WebUIAsset: Sendable {
    /// File name, e.g. `app.js`; `index.html` is served at `/`, the others at `/ui/NAME`.
    package let name: String
    package let contentType: String
    /// The file as written in `Sources/FarameshServer/WebUI/assets`.
    package let bytes: [UInt8]
    /// gzip of `bytes` (level 9), sent when the client accepts gzip.
    let gzipped: [UInt8]
    /// Hex SHA-256 of `bytes`.
    package let sha256: String

    /// Strong validator of each representation (they differ in bytes, so in tags too).
    var etag: String { "\"\(self.sha256.prefix(32))\"" }
    var gzipETag: String { "\"\(self.sha256.prefix(32))-gz\"" }

    init(_ generated: GeneratedUIAsset) {
        self.name = generated.name
        self.contentType = Self.contentType(forName: generated.name)
        // The generator writes valid base64; a failure here means the generated file was edited by hand.
        self.bytes = Data(base64Encoded: generated.base64, options: .ignoreUnknownCharacters).map(Array.init) ?? []
        self.gzipped =
            Data(base64Encoded: generated.gzipBase64, options: .ignoreUnknownCharacters).map(Array.init) ?? []
        self.sha256 = generated.sha256
    }

    static func contentType(forName name: String) -> String {
        switch name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}

/// The web UI shipped inside the binary (no files needed at run time).
package enum WebUIAssets {
    /// Every asset, in name order.
    package static let all: [WebUIAsset] = generated.map(WebUIAsset.init)

    static let byName: [String: WebUIAsset] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The page served at `/`.
    static var index: WebUIAsset? { byName["index.html"] }

    /// Where each asset is served (and where `faramesh build-ui` writes it, relative to its folder).
    package static func relativePath(of asset: WebUIAsset) -> String {
        asset.name == "index.html" ? "index.html" : "ui/\(asset.name)"
    }
}
