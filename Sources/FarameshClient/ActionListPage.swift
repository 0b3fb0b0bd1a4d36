import FarameshAPI

/// One page of actions, newest first.
package struct ActionListPage: Sendable, Hashable {
    package var actions: [ActionResponse]
    /// Pass as `ActionListQuery.cursor` for the next page; nil on the last page.
    package var nextCursor: String?

    package init(actions: [ActionResponse], nextCursor: String?) {
        self.actions = actions
        self.nextCursor = nextCursor
    }
}
