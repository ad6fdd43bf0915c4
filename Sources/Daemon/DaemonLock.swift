#if canImport(Glibc)
import Glibc
#endif
import Common
import Foundation

/// One daemon per database: a second one would requeue the first one's running jobs. The lock
/// is an `flock` on `<database>.lock`, held by the open descriptor for the life of the process
/// (the kernel drops it when the process dies, even by `kill -9`), and the file holds the pid
/// in `DaemonLockFile`'s format for `fine-tune --promote`.
final class DaemonLock: Sendable {
    private let descriptor: Int32

    init(database: String, pid: Int32) throws {
        let directory = (database as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = DaemonLockFile.path(forDatabase: database)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Daemon.StartupError(description: "state.database: cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let other = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(DaemonLockFile.pid(in:))
            close(fd)
            throw Daemon.StartupError(description: "\(database): another enhanced (pid \(other.map(String.init) ?? "?")) is already running on this database")
        }
        _ = ftruncate(fd, 0)
        let text = Array(DaemonLockFile.contents(pid: pid).utf8)
        _ = pwrite(fd, text, text.count, 0)
        descriptor = fd
    }

    deinit { close(descriptor) }
}
