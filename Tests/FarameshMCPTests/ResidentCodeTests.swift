import Testing

@testable import FarameshMCP

@Suite("Resident code")
struct ResidentCodeTests {
    static let maps = """
        55d0c0000000-55d0c0400000 r--p 00000000 fd:01 1234    /usr/bin/faramesh
        55d0c0400000-55d0c2000000 r-xp 00400000 fd:01 1234    /usr/bin/faramesh
        55d0c2000000-55d0c2100000 r--p 02000000 fd:01 1234    /usr/bin/faramesh
        55d0c2100000-55d0c2110000 rw-p 02100000 fd:01 1234    /usr/bin/faramesh
        7f0000000000-7f0000021000 rw-p 00000000 00:00 0
        7f1000000000-7f1000180000 r-xp 00028000 fd:01 99     /usr/lib/x86_64-linux-gnu/libc.so.6
        7f2000000000-7f2000001000 r-xp 00000000 00:00 0
        7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0      [vdso]
        7f3000000000-7f3000010000 rwxp 00000000 fd:01 7      /tmp/jit
        garbage line
        """

    @Test("only private read-and-execute file mappings are released (code; data, vdso and anonymous stay)")
    func picksCodeMappingsOnly() {
        #expect(
            ResidentCode.executableFileRanges(Self.maps) == [
                0x55d0_c040_0000..<0x55d0_c200_0000,
                0x7f10_0000_0000..<0x7f10_0018_0000,
            ]
        )
    }

    @Test("releasing this process's code pages leaves it running, and happens once")
    func releasingKeepsRunning() {
        let first = ResidentCode.releaseStartupPages()
        #if os(Linux)
        #expect(first > 0)
        #endif
        // The code that runs next is faulted back in from the page cache.
        #expect(ResidentCode.executableFileRanges(Self.maps).count == 2)
        #expect(ResidentCode.releaseStartupPages() == 0)
    }
}
