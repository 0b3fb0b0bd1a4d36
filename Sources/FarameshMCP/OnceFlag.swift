import Synchronization

/// True for the first caller of `set()` only.
final class OnceFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() -> Bool { !self.flag.exchange(true, ordering: .acquiringAndReleasing) }
}
