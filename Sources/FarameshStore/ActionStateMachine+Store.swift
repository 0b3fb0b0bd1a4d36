import FarameshCore
import Foundation

/// How the backends carry out a state-machine step; the rules themselves are `ActionStateMachine`.
extension ActionStateMachine.Step {
    /// The change to write; nil when the move is illegal (nothing is written).
    package var change: ActionChange? {
        switch self {
        case .apply(let change), .expireInstead(let change): return change
        case .illegal: return nil
        }
    }

    /// `ActionStore.transition`'s answer once the change is committed: the updated action, or
    /// `.illegalTransition` with the current action (expired when the approval came too late).
    package func answer() throws -> Action {
        switch self {
        case .apply(let change): return change.action
        case .expireInstead(let change): throw StoreError.illegalTransition(current: change.action)
        case .illegal(let current): throw StoreError.illegalTransition(current: current)
        }
    }
}

extension Action {
    /// The action as a store reads it back: every date in whole microseconds.
    package var storedForm: Action {
        var action = self
        action.createdAt = Self.wholeMicroseconds(action.createdAt)
        action.updatedAt = Self.wholeMicroseconds(action.updatedAt)
        action.approvalExpiresAt = action.approvalExpiresAt.map(Self.wholeMicroseconds)
        return action
    }

    private static func wholeMicroseconds(_ date: Date) -> Date {
        WireTimestamp.date(microseconds: WireTimestamp.microseconds(date))
    }
}
