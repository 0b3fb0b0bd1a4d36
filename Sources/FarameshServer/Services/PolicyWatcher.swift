import Logging
import ServiceLifecycle

/// Hot reload: polls the policy and profile files and reloads when their contents change.
/// Polling (not inotify) works the same on every platform and with ConfigMap symlink swaps.
package struct PolicyWatcher: Service {
    let runtime: PolicyRuntime

    package init(runtime: PolicyRuntime) {
        self.runtime = runtime
    }

    package func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.runtime.pollInterval)
                self.runtime.reloadIfChanged()
            }
        }
    }
}
