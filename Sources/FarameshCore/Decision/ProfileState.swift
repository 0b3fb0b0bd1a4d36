/// Which execution profile is in force.
public enum ProfileState: Sendable {
    /// No profile configured: only the policy decides.
    case none
    case loaded(CompiledProfile)
    /// A profile is configured but could not be loaded (the message says why): every decision
    /// HALTs with PROFILE_LOAD_ERROR until it loads. Never silently treated as "no profile".
    case failed(String)

    /// The state for a configured profile file: `.loaded` when `yaml` compiles, else `.failed`
    /// with the load error (file, line, column), so decisions fail closed instead of running
    /// without the profile.
    public static func compile(yaml: String, source: String) -> ProfileState {
        do {
            return .loaded(try CompiledProfile.compile(yaml: yaml, source: source))
        } catch {
            return .failed(error.description)
        }
    }
}
