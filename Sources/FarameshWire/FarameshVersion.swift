/// The product version: `faramesh --version`, the CLI's user agents, the `runtime_version` the
/// server stamps on every decision, and `info.version` of the OpenAPI document.
public enum FarameshVersion {
    public static let current = "0.4.0"
}
