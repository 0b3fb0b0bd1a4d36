#if canImport(Glibc)
import Glibc

/// GNU extensions that Swift's Glibc module does not import (they sit behind `_GNU_SOURCE`),
/// looked up once at run time. All exist in glibc ≥ 2.34 (Debian 12 and later).
enum GlibcSpawnExtensions {
    typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddClosefrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    private struct Table: @unchecked Sendable {
        var addChdir: AddChdir?
        var addClosefrom: AddClosefrom?
        var pipe2: Pipe2?
    }

    private static let table: Table = {
        let handle = dlopen(nil, RTLD_NOW)
        func symbol<F>(_ name: String, as type: F.Type) -> F? {
            guard let pointer = dlsym(handle, name) else { return nil }
            return unsafeBitCast(pointer, to: type)
        }
        return Table(
            addChdir: symbol("posix_spawn_file_actions_addchdir_np", as: AddChdir.self),
            addClosefrom: symbol("posix_spawn_file_actions_addclosefrom_np", as: AddClosefrom.self),
            pipe2: symbol("pipe2", as: Pipe2.self)
        )
    }()

    /// `posix_spawn_file_actions_addchdir_np`; nil when the C library lacks it.
    static var addChdir: AddChdir? { table.addChdir }
    /// `posix_spawn_file_actions_addclosefrom_np`; nil when the C library lacks it.
    static var addClosefrom: AddClosefrom? { table.addClosefrom }

    /// A pipe whose both ends are close-on-exec from the start, so a command spawned at the same
    /// moment by another run never inherits them (that would hold our pipe open past EOF).
    static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        if let pipe2 = table.pipe2 {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { return nil }
        } else {
            guard pipe(&fds) == 0 else { return nil }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        }
        return (fds[0], fds[1])
    }
}
#endif
