// swift-tools-version:6.1
import PackageDescription

/// Compiler settings shared by every target: `any` spelled out for existentials, and a file
/// sees only the members of modules it imports itself (no leaking through other imports).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "faramesh",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "faramesh", targets: ["faramesh"]),
        .library(name: "FarameshCore", targets: ["FarameshCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", from: "0.12.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // Wire primitives shared by the domain and the wire types: JSON values, the parser, canonical
        // JSON, wire timestamps, the status/decision/risk/event enums. Foundation only.
        .target(name: "FarameshWire", swiftSettings: swiftSettings),
        // Pure domain: actions, state machine, policy, decisions, hashes. No I/O.
        .target(
            name: "FarameshCore",
            dependencies: [
                "FarameshWire",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Public wire types (requests, responses, errors). Never imports the domain (FarameshCore).
        .target(name: "FarameshAPI", dependencies: ["FarameshWire"], swiftSettings: swiftSettings),
        // ActionStore protocol and errors.
        .target(name: "FarameshStore", dependencies: ["FarameshCore"], swiftSettings: swiftSettings),
        .target(
            name: "FarameshStorePostgres",
            dependencies: [
                "FarameshCore", "FarameshStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: swiftSettings
        ),
        // `faramesh policy …` and `faramesh policy-diff` commands (pure logic lives in Core).
        .target(
            name: "FarameshPolicyTools",
            dependencies: [
                "FarameshCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FarameshStoreSQLite",
            dependencies: [
                "FarameshCore", "FarameshStore",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FarameshServer",
            dependencies: [
                "FarameshCore", "FarameshAPI", "FarameshStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                // Connection guard: per-connection deadlines and caps below Hummingbird's HTTP/1 channel.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: [
                // The web UI's source files; embedded by scripts/gen-ui-assets.py into WebUIAssets+Generated.swift.
                "WebUI/assets"
            ],
            resources: [
                // Compiled into the binary (`PackageResources.openapi_yaml`): no bundle to ship next to it.
                .embedInCode("OpenAPI/openapi.yaml")
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP client of the API, used by the CLI's server commands (and tests).
        .target(
            name: "FarameshClient",
            dependencies: [
                "FarameshAPI",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `faramesh verify-log`'s engine: reads the ledger, events and actions from any ActionStore
        // and checks them without trusting the database; the state file of incremental runs.
        .target(
            name: "FarameshLedgerVerifier",
            dependencies: ["FarameshCore", "FarameshStore"],
            swiftSettings: swiftSettings
        ),
        // `faramesh mcp-proxy`: MCP gateway that turns every `tools/call` into a governed action.
        .target(
            name: "FarameshMCP",
            dependencies: [
                "FarameshAPI", "FarameshCore", "FarameshClient",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "faramesh",
            dependencies: [
                "FarameshCore", "FarameshAPI", "FarameshStore", "FarameshStorePostgres", "FarameshStoreSQLite",
                "FarameshServer", "FarameshPolicyTools", "FarameshClient", "FarameshMCP", "FarameshLedgerVerifier",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: [
                // Release binaries link with the toolchain's lld: compact relative relocations, identical
                // code folded, no exported symbol table (nothing dlopens into this executable). Less of
                // the binary is read and touched at start: idle RSS of `serve` 39.1 → 34.2 MB (notes of
                // issue 3).
                .unsafeFlags(
                    [
                        "-Xclang-linker", "-fuse-ld=lld",
                        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--icf=all", "-Xlinker", "--no-export-dynamic",
                    ],
                    .when(configuration: .release)
                )
            ]
        ),
        .testTarget(
            name: "FarameshCoreTests",
            dependencies: ["FarameshCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FarameshMCPTests",
            dependencies: [
                "FarameshMCP", "FarameshCore", "FarameshAPI", "FarameshClient",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FarameshPolicyToolsTests",
            dependencies: [
                "FarameshPolicyTools", "FarameshCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers shared by test targets (PostgreSQL test writers).
        .target(
            name: "FarameshTestSupport",
            dependencies: [
                "FarameshCore", "FarameshStorePostgres",
                "FarameshStore", "FarameshStoreSQLite",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/FarameshTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FarameshStoreTests",
            dependencies: [
                "FarameshCore", "FarameshStore", "FarameshStorePostgres", "FarameshStoreSQLite", "FarameshTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FarameshCLITests",
            dependencies: [
                "faramesh", "FarameshServer", "FarameshClient", "FarameshAPI", "FarameshCore",
                "FarameshStorePostgres", "FarameshStoreSQLite",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "FarameshClientTests", dependencies: ["FarameshClient"], swiftSettings: swiftSettings),
        .testTarget(
            name: "FarameshAPITests",
            dependencies: ["FarameshAPI", "FarameshWire"],
            swiftSettings: swiftSettings
        ),
        // Audit ledger against real databases: sealer, tamper detection, failover, API, export.
        .testTarget(
            name: "FarameshLedgerTests",
            dependencies: [
                "faramesh", "FarameshServer", "FarameshAPI", "FarameshCore", "FarameshStore",
                "FarameshStorePostgres", "FarameshStoreSQLite", "FarameshLedgerVerifier", "FarameshTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FarameshLedgerVerifierTests",
            dependencies: ["FarameshLedgerVerifier", "FarameshCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FarameshServerTests",
            dependencies: [
                "FarameshServer", "FarameshAPI", "FarameshCore", "FarameshStore", "FarameshStorePostgres",
                "FarameshTestSupport",
                "FarameshStoreSQLite",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
