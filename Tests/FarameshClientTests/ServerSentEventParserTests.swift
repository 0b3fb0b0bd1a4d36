import FarameshClient
import Testing

@Suite("Server-Sent Events parser (WHATWG event stream interpretation)")
struct ServerSentEventParserTests {
    private func parse(
        _ chunks: [String],
        lastEventID: String = ""
    ) -> (events: [ServerSentEvent], parser: ServerSentEventParser) {
        var parser = ServerSentEventParser(lastEventID: lastEventID)
        var events: [ServerSentEvent] = []
        for chunk in chunks { events += parser.feed(Array(chunk.utf8)) }
        return (events, parser)
    }

    @Test func idDataAndEventFields() {
        let (events, parser) = parse(["id: 7\nevent: action.created\ndata: {\"a\":1}\n\n"])
        #expect(events == [ServerSentEvent(id: "7", event: "action.created", data: "{\"a\":1}")])
        #expect(parser.lastEventID == "7")
    }

    @Test func multipleDataLinesJoinWithNewline() {
        let (events, _) = parse(["data: first\ndata: second\ndata\n\n"])
        #expect(events.map(\.data) == ["first\nsecond\n"])
        #expect(events.first?.event == "message")
    }

    @Test func commentsAreCountedAndIgnored() {
        let (events, parser) = parse([": keepalive\n\n: ping\n\ndata: x\n\n"])
        #expect(events.map(\.data) == ["x"])
        #expect(parser.commentCount == 2)
    }

    @Test func onlyOneLeadingSpaceIsRemoved() {
        let (events, _) = parse(["data:no-space\n\ndata:  two-spaces\n\n"])
        #expect(events.map(\.data) == ["no-space", " two-spaces"])
    }

    @Test func lineEndingsCRLFCRAndLFAlsoSplitAcrossChunks() {
        let (events, parser) = parse(["id: 1\r", "\ndata: a\r\r", "id: 2\rdata: b\r\n", "\r\n", "data: c\n", "\n"])
        #expect(events.map(\.data) == ["a", "b", "c"])
        #expect(events.map(\.id) == ["1", "2", "2"])
        #expect(parser.lastEventID == "2")
    }

    @Test func bytesSplitInsideAMultiByteCharacter() {
        let bytes = Array("data: grüße ✓\n\n".utf8)
        var parser = ServerSentEventParser()
        var events: [ServerSentEvent] = []
        for byte in bytes { events += parser.feed([byte]) }
        #expect(events.map(\.data) == ["grüße ✓"])
    }

    @Test func idWithoutDataUpdatesTheLastIdButDispatchesNothing() {
        let (events, parser) = parse(["id: 41\n\n", "data: next\n\n"])
        #expect(events == [ServerSentEvent(id: "41", data: "next")])
        #expect(parser.lastEventID == "41")
    }

    @Test func idContainingNulIsIgnoredAndEmptyIdResets() {
        let (events, parser) = parse(["id: 5\ndata: a\n\n", "id: 6\u{0}x\ndata: b\n\n", "id\ndata: c\n\n"])
        #expect(events.map(\.id) == ["5", "5", nil])
        #expect(parser.lastEventID == "")
    }

    @Test func retryTakesDigitsOnly() {
        #expect(parse(["retry: 1500\n\n"]).parser.retryMilliseconds == 1500)
        #expect(parse(["retry: 15x\n\n"]).parser.retryMilliseconds == nil)
        #expect(parse(["retry: 250\nretry: -1\n\n"]).parser.retryMilliseconds == 250)
    }

    @Test func unknownFieldsAreIgnoredAndEventTypeResetsAfterDispatch() {
        let (events, _) = parse(["foo: bar\nevent: custom\ndata: 1\n\ndata: 2\n\n"])
        #expect(events.map(\.event) == ["custom", "message"])
    }

    @Test func leadingByteOrderMarkIsSkippedOnlyAtTheStart() {
        let (events, _) = parse(["\u{FEFF}data: a\n\n\u{FEFF}data: b\n\n"])
        #expect(events.map(\.data) == ["a"])
    }

    @Test func unterminatedEventAtTheEndIsNotDispatched() {
        let (events, parser) = parse(["data: complete\n\n", "id: 9\ndata: partial\n"])
        #expect(events.map(\.data) == ["complete"])
        // The id line was complete, so a reconnect resumes after it.
        #expect(parser.lastEventID == "9")
    }

    @Test func resumesFromAGivenLastEventID() {
        let (events, _) = parse(["data: a\n\n"], lastEventID: "100")
        #expect(events.first?.id == "100")
    }

    @Test func backoffDoublesUpToTheMaximumAndHonoursServerRetry() {
        let policy = ReconnectPolicy(initialDelay: .milliseconds(500), maximumDelay: .seconds(4))
        #expect(
            (1...6).map { policy.delay(afterFailures: $0, serverRetry: nil) }
                == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)]
        )
        #expect(policy.delay(afterFailures: 1, serverRetry: .milliseconds(100)) == .milliseconds(100))
        #expect(policy.delay(afterFailures: 3, serverRetry: .milliseconds(100)) == .milliseconds(400))
    }
}
