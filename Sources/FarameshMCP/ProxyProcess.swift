import NIOCore

/// Process-wide settings of `faramesh mcp-proxy`, applied first thing in the command (before any
/// NIO event loop or extra thread exists). The proxy relays one client's messages: one event
/// loop thread and one malloc arena are plenty, and every extra thread or arena is resident
/// memory (an arena keeps at least one 132 KiB heap; each event loop its thread and buffers).
package enum ProxyProcess {
    package static func configure() {
        // NIO's shared event loop group (the gatekeeper connections, the HTTP upstream and
        // listener) with one thread instead of one per core.
        NIOSingletons.groupLoopCountSuggestion = 1
        NIOSingletons.blockingPoolThreadCountSuggestion = 1
        #if os(Linux)
        _ = glibcMallopt(-8, 1)  // M_ARENA_MAX
        #endif
    }
}

#if os(Linux)
/// glibc's `mallopt` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
