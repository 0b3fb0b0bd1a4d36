import FarameshCore
import NIOCore
import Testing

@testable import FarameshMCP

@Suite struct HTTPClientChannelTests {
    func collect(_ stream: AsyncStream<ByteBuffer>) async -> [String] {
        var frames: [String] = []
        for await var buffer in stream { frames.append(buffer.readString(length: buffer.readableBytes) ?? "") }
        return frames
    }

    @Test func progressAndTheResponseGoToTheRequestsStreamWhichThenEnds() async {
        let channel = HTTPClientChannel()
        let stream = await channel.openRequest(.int(1))
        await channel.send(Array("{\"p\":1}".utf8), route: .related(.int(1)))
        await channel.send(Array("{\"r\":1}".utf8), route: .response(.int(1)))
        let frames = await collect(stream)
        #expect(frames == ["event: message\ndata: {\"p\":1}\n\n", "event: message\ndata: {\"r\":1}\n\n"])
        #expect(await channel.hasOpenStreams == false)
    }

    @Test func serverMessagesGoToTheStandaloneStreamWhenOpen() async {
        let channel = HTTPClientChannel()
        let request = await channel.openRequest(.string("a"))
        let standalone = await channel.openStandalone()
        #expect(standalone != nil)
        #expect(await channel.openStandalone() == nil)  // one GET stream per session
        await channel.send(Array("{\"n\":1}".utf8), route: .unrelated)
        await channel.send(Array("{\"r\":1}".utf8), route: .response(.string("a")))
        await channel.closeAll()
        #expect(await collect(request) == ["event: message\ndata: {\"r\":1}\n\n"])
        if let standalone { #expect(await collect(standalone) == ["event: message\ndata: {\"n\":1}\n\n"]) }
    }

    @Test func withoutAStandaloneStreamServerMessagesUseTheNewestRequestStream() async {
        let channel = HTTPClientChannel()
        let older = await channel.openRequest(.int(1))
        let newer = await channel.openRequest(.int(2))
        await channel.send(Array("{\"sampling\":1}".utf8), route: .unrelated)
        await channel.closeAll()
        #expect(await collect(older) == [])
        #expect(await collect(newer) == ["event: message\ndata: {\"sampling\":1}\n\n"])
    }
}
