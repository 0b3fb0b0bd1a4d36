import FarameshAPI
import FarameshCore
import FarameshStore

/// One page of `GET /v1/actions`, bounded in rows (`limit`) and in bytes (`maxBytes`): rows are
/// read from the store in small chunks and written as they come, and the page ends early, with
/// a next cursor, once its JSON reaches the byte budget. So a page of large actions costs about
/// `maxBytes` plus one chunk of memory, not `limit` times the largest action.
struct ActionListPage {
    /// The page's JSON array.
    var bytes: [UInt8]
    /// Set when more rows may follow (the row limit was reached, or the byte budget was).
    var nextCursor: ActionCursor?

    /// JSON bytes after which a page stops taking rows (one row always fits, whatever its size).
    static let maxBytes = 4 * 1024 * 1024
    /// Rows of the first store read (the default page of 20 takes one read).
    static let firstChunk = 25
    /// Most rows of any later store read.
    static let maxChunk = 250

    static func read(
        _ query: ActionQuery,
        from store: any ActionStore,
        maxBytes: Int = ActionListPage.maxBytes,
        write: (Action, inout JSONWriter) -> Void
    ) async throws -> ActionListPage {
        var writer = JSONWriter(reservingCapacity: min(maxBytes, 1024 * max(1, query.limit)))
        writer.beginArray()
        var written = 0
        var chunkQuery = query
        chunkQuery.limit = min(query.limit, self.firstChunk)
        var next: ActionCursor?
        reading: while written < query.limit {
            let chunk = try await store.list(chunkQuery)
            for action in chunk.actions {
                if written > 0, writer.bytes.count >= maxBytes {
                    // `next` is the last row written: the next page starts with this one.
                    break reading
                }
                write(action, &writer)
                written += 1
                next = ActionCursor(createdAt: action.createdAt, id: action.id)
            }
            guard chunk.nextCursor != nil, chunk.actions.count == chunkQuery.limit else {
                // The store has no more rows: no next page.
                next = nil
                break
            }
            chunkQuery.cursor = next
            chunkQuery.offset = 0
            let perRow = max(1, writer.bytes.count / max(1, written))
            let fitting = max(1, (maxBytes - writer.bytes.count) / perRow + 1)
            chunkQuery.limit = min(query.limit - written, fitting, self.maxChunk)
        }
        writer.endArray()
        return ActionListPage(bytes: writer.bytes, nextCursor: written == 0 ? nil : next)
    }
}
