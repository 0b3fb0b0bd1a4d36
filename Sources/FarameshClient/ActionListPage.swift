public import FarameshAPI

/// One page of actions, newest first.
public struct ActionListPage: Sendable, Hashable {
    public var actions: [ActionResponse]
    /// Pass as `ActionListQuery.cursor` for the next page; nil on the last page.
    public var nextCursor: String?

    public init(actions: [ActionResponse], nextCursor: String?) {
        self.actions = actions
        self.nextCursor = nextCursor
    }
}
