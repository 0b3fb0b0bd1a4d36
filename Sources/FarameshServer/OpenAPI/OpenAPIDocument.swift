import FarameshCore
import Foundation

/// The OpenAPI 3.1 description of this service, served at `/openapi.yaml`: `openapi.yaml` next to
/// this file, embedded in the binary at build time (Package.swift `.embedInCode`, so the binary
/// needs no resource bundle), with the product version filled in.
enum OpenAPIDocument {
    /// Stands for the product version in `openapi.yaml` (quoted, so the file stays valid YAML).
    static let versionPlaceholder = "\"@FARAMESH_VERSION@\""

    static let bytes: [UInt8] = Array(yaml.utf8)

    static let yaml: String = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
        .replacingOccurrences(of: versionPlaceholder, with: FarameshVersion.current)
}
