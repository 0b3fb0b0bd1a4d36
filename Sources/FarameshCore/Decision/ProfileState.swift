/// Which execution profile is in force.
public enum ProfileState: Sendable {
    /// No profile configured: only the policy decides.
    case none
    case loaded(CompiledProfile)
    /// A profile is configured but could not be loaded (the message says why): every decision
    /// HALTs with PROFILE_LOAD_ERROR until it loads. Never silently treated as "no profile".
    case failed(String)
}
