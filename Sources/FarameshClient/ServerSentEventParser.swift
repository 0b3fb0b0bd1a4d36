/// Incremental `text/event-stream` parser following the WHATWG HTML "event stream
/// interpretation": lines end with CRLF, LF or CR (also split across chunks); a leading BOM is
/// skipped; `:` lines are comments; one space after the colon is dropped; `data` lines are
/// joined with LF; `id` (without NUL) updates the last event ID even when no event is
/// dispatched; `retry` takes only ASCII digits; a blank line dispatches, unless no data was
/// given; an unterminated event at the end of the stream is discarded.
package struct ServerSentEventParser: Sendable {
    /// The last event ID buffer: what a reconnect sends as `Last-Event-ID`.
    package private(set) var lastEventID: String
    /// The reconnection time the server asked for (`retry:`), in milliseconds.
    package private(set) var retryMilliseconds: Int?
    /// Comment lines seen so far (heartbeats).
    package private(set) var commentCount = 0

    private var line: [UInt8] = []
    private var data = ""
    private var hasData = false
    private var eventType = ""
    private var afterCR = false
    private var atStreamStart = true

    /// - Parameter lastEventID: the ID to resume from (persists across reconnections).
    package init(lastEventID: String = "") {
        self.lastEventID = lastEventID
    }

    /// Feeds the next chunk of the stream and returns the events it completes.
    package mutating func feed(_ bytes: some Sequence<UInt8>) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if self.afterCR {
                self.afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                self.afterCR = true
                if let event = self.endLine() { events.append(event) }
            case 0x0A:
                if let event = self.endLine() { events.append(event) }
            default:
                self.line.append(byte)
            }
        }
        return events
    }

    /// Processes one complete line; returns an event when it was a dispatching blank line.
    private mutating func endLine() -> ServerSentEvent? {
        var bytes = self.line[...]
        self.line.removeAll(keepingCapacity: true)
        if self.atStreamStart {
            self.atStreamStart = false
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty { return self.dispatch() }
        if bytes.first == UInt8(ascii: ":") {
            self.commentCount += 1
            return nil
        }
        let field: String
        let value: Substring
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: bytes[..<colon], as: UTF8.self)
            var rest = bytes[(colon + 1)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            value = Substring(String(decoding: rest, as: UTF8.self))
        } else {
            field = String(decoding: bytes, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event":
            self.eventType = String(value)
        case "data":
            self.data += value
            self.data += "\n"
            self.hasData = true
        case "id":
            if !value.contains("\u{0}") { self.lastEventID = String(value) }
        case "retry":
            if !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let ms = Int(value)
            {
                self.retryMilliseconds = ms
            }
        default:
            break
        }
        return nil
    }

    private mutating func dispatch() -> ServerSentEvent? {
        defer {
            self.data = ""
            self.hasData = false
            self.eventType = ""
        }
        guard self.hasData else { return nil }
        var text = self.data
        if text.hasSuffix("\n") { text.removeLast() }
        return ServerSentEvent(
            id: self.lastEventID.isEmpty ? nil : self.lastEventID,
            event: self.eventType.isEmpty ? "message" : self.eventType,
            data: text
        )
    }
}
