#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Small files (sidecars) written the way ImageWriter writes images: a hidden temporary name
/// in the destination folder, fsync, rename, fsync of the folder. A crash leaves either the old
/// file or the new one, never a part; leftovers carry the `.NAME.partial-` prefix that
/// `removeStaleTemporaries` cleans up.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = directory + "/." + name + ".partial-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(path: path, errno: errno, what: "create") }
        var ok = true
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { ok = false; break }
            offset += n
        }
        let code = errno
        if ok && fsync(fd) != 0 { ok = false }
        close(fd)
        guard ok, rename(temporary, path) == 0 else {
            let failure = OutputError(path: path, errno: ok ? errno : code, what: "write")
            unlink(temporary)
            throw failure
        }
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { _ = fsync(dfd); close(dfd) }
    }

    /// Removes `.NAME.partial-*` files left in `directory` by a process that died while writing
    /// `name` (the daemon killed mid-job): the job is about to write it again.
    static func removeStaleTemporaries(for name: String, in directory: String) {
        let prefix = "." + name + ".partial-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where entry.hasPrefix(prefix) {
            unlink(directory + "/" + entry)
        }
    }
}

struct OutputError: Error, CustomStringConvertible {
    let path: String
    let errno: Int32
    let what: String

    var description: String { "\(path): cannot \(what): \(String(cString: strerror(errno)))" }
}
