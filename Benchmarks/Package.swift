// swift-tools-version:6.1
// Benchmarks for FarameshCore (package-benchmark). A separate package so the main build never
// pulls in the benchmark tooling. Run from this directory:
//   swift package --disable-sandbox benchmark
import PackageDescription

let package = Package(
    name: "faramesh-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "faramesh", path: ".."),
        // Only the malloc interposer trait: the default RuntimeInterposer trait needs a package the
        // mirror does not carry.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "CanonicalBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FarameshCore", package: "faramesh"),
            ],
            path: "Benchmarks/CanonicalBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "PolicyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FarameshCore", package: "faramesh"),
            ],
            path: "Benchmarks/PolicyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LedgerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "FarameshCore", package: "faramesh"),
            ],
            path: "Benchmarks/LedgerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
