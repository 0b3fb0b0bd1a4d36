import Benchmark
import FarameshCore

/// Placeholder suite so the package builds; the policy engine's benchmarks replace it.
let benchmarks: @Sendable () -> Void = {
    Benchmark("Risk level ordering") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(RiskLevel.allCases.max())
        }
    }
}
