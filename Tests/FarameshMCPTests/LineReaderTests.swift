import Testing

@testable import FarameshMCP

#if canImport(Glibc)
import Glibc
#endif

@Suite struct LineReaderTests {
    /// Writes `chunks` into a real pipe (then closes it) and collects what the reader yields.
    func read(_ chunks: [String], maxLineBytes: Int = 1024) async -> [String] {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let lines = LineReader.lines(fd: fds[0], maxLineBytes: maxLineBytes, name: "test-reader")
        let writer = LineWriter(fd: fds[1], name: "test-writer")
        for chunk in chunks {
            var bytes = Array(chunk.utf8)
            if bytes.last == UInt8(ascii: "\n") {
                bytes.removeLast()
            } else {
                Issue.record("chunks must end with a newline")
            }
            writer.write(bytes)
        }
        await writer.close()
        var seen: [String] = []
        for await event in lines {
            switch event {
            case .line(let bytes): seen.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong(let count): seen.append("<too long: \(count)>")
            case .end: seen.append("<end>")
            }
        }
        close(fds[0])
        return seen
    }

    @Test func splitsLinesDropsCRAndEmptyLinesAndEndsAtEOF() async {
        let seen = await read(["{\"a\":1}\r\n", "\n", "{\"b\":2}\n"])
        #expect(seen == ["{\"a\":1}", "{\"b\":2}", "<end>"])
    }

    @Test func aLineOverTheLimitIsReportedAndTheNextOneStillArrives() async {
        let seen = await read([String(repeating: "x", count: 5000) + "\n", "ok\n"], maxLineBytes: 1000)
        #expect(seen.count == 3)
        #expect(seen[0].hasPrefix("<too long: "))
        #expect(seen[1] == "ok")
        #expect(seen[2] == "<end>")
    }

    @Test func writesKeepTheirOrderAcrossTheFastPathAndTheQueue() async {
        // Large lines (over PIPE_BUF) always go through the queue; the small ones after them must
        // wait their turn, and together they overfill the pipe so the queue also blocks.
        let chunks = (0..<300).map { index in
            index % 3 == 0 ? "\(index) " + String(repeating: "y", count: 6000) + "\n" : "\(index)\n"
        }
        let seen = await read(chunks, maxLineBytes: 10_000)
        #expect(seen == chunks.map { String($0.dropLast()) } + ["<end>"])
    }
}
