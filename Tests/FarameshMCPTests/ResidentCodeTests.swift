import Testing

@testable import FarameshMCP

@Suite("Resident code")
struct ResidentCodeTests {
    /// Mappings as `/proc/self/smaps` lists them, attribute lines trimmed to the ones that matter.
    static let smaps = """
        55d0c0000000-55d0c0400000 r--p 00000000 fd:01 1234    /usr/bin/faramesh
        Size:               4096 kB
        Rss:                 812 kB
        Anonymous:             0 kB
        VmFlags: rd mr mw me
        55d0c0400000-55d0c2000000 r-xp 00400000 fd:01 1234    /usr/bin/faramesh
        Rss:                9000 kB
        Anonymous:             0 kB
        55d0c2000000-55d0c2100000 r--p 02000000 fd:01 1234    /usr/bin/faramesh
        Rss:                 400 kB
        Anonymous:           120 kB
        55d0c2100000-55d0c2110000 rw-p 02100000 fd:01 1234    /usr/bin/faramesh
        Anonymous:            64 kB
        7f0000000000-7f0000021000 rw-p 00000000 00:00 0
        Anonymous:           132 kB
        7f1000000000-7f1000180000 r-xp 00028000 fd:01 99     /usr/lib/x86_64-linux-gnu/libc.so.6
        Anonymous:             0 kB
        7f1100000000-7f1100010000 r--s 00000000 fd:01 55     /dev/shm/shared
        Anonymous:             0 kB
        7f1200000000-7f1200010000 r--p 00000000 fd:01 56     /usr/lib/locale/C.utf8/LC_CTYPE
        Rss:                   4 kB
        7f2000000000-7f2000001000 r-xp 00000000 00:00 0
        Anonymous:             0 kB
        7ffd00000000-7ffd00002000 r-xp 00000000 00:00 0      [vdso]
        Anonymous:             0 kB
        7f3000000000-7f3000010000 rwxp 00000000 fd:01 7      /tmp/jit
        Anonymous:             0 kB
        garbage line
        Anonymous:             0 kB
        """

    @Test(
        "only private, non-writable file mappings without a private page are released (copied-on-write data, writable, shared, anonymous and vdso stay; a missing Anonymous line counts as unknown)"
    )
    func picksCleanReadOnlyFileMappingsOnly() {
        #expect(
            ResidentCode.cleanReadOnlyFileRanges(Self.smaps) == [
                0x55d0_c000_0000..<0x55d0_c040_0000,
                0x55d0_c040_0000..<0x55d0_c200_0000,
                0x7f10_0000_0000..<0x7f10_0018_0000,
            ]
        )
    }

    #if os(Linux)
    @Test("the whole of /proc/self/smaps is read, past the first page Foundation's readers stop at")
    func readsWholeProcFile() throws {
        let text = try #require(ResidentCode.procText("/proc/self/smaps"))
        // The stack is one of the last mappings; a reader that stops short never reaches it.
        #expect(text.contains("[stack]"))
        #expect(text.split(separator: "\n").last?.hasPrefix("VmFlags:") == true)
        #expect(text.contains("libc.so"))
        #expect(ResidentCode.cleanReadOnlyFileRanges(text).count > 2)
    }
    #endif

    @Test("releasing this process's clean file pages leaves it running, and happens once per stage")
    func releasingKeepsRunning() {
        for stage in [ResidentCode.Stage.launched, .configured, .initialized, .firstCall] {
            let first = ResidentCode.release(after: stage)
            #if os(Linux)
            #expect(first > 0, "\(stage)")
            #endif
            // What runs next is faulted back in from the page cache, relocated data included.
            #expect(ResidentCode.cleanReadOnlyFileRanges(Self.smaps).count == 3)
            #expect(ResidentCode.release(after: stage) == 0, "\(stage)")
        }
    }
}
