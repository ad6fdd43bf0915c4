/// The daemon lock (`DaemonLockFile`) taken by a command that needs a SQLite queue to itself.
#if canImport(Glibc)
import Glibc
#endif
import Common
import Foundation

/// Held (an `flock` on `<database>.lock`, as `enhanced` takes it) for the life of the value: no
/// daemon can start on the database meanwhile, and taking it fails while one runs. The file's
/// content, the last daemon's pid, is left alone: this process is not a daemon to signal.
final class SQLiteQueueLock {
    private let descriptor: Int32

    init(database: String) throws {
        let path = DaemonLockFile.path(forDatabase: database)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("\(path): cannot open: \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let pid = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap(DaemonLockFile.pid(in:))
            close(fd)
            throw Failure("\(database): enhanced (pid \(pid.map(String.init) ?? "?")) is running on this queue; stop it first")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
