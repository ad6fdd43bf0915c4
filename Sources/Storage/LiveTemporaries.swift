import Foundation

/// The temporaries this process is writing right now. `flock` already protects them from other
/// processes; this set covers the case where it cannot: on NFS, Linux implements flock with
/// POSIX locks, which belong to the whole process, so a cleaner in the same process (another
/// daemon worker) would be granted the lock of a file its neighbour is still writing.
final class LiveTemporaries: @unchecked Sendable {
    static let shared = LiveTemporaries()
    private let lock = NSLock()
    /// By device and inode rather than path, so that two spellings of one folder agree.
    /// With the path each was created under, for `removeAll`.
    private var files: [FileKey: String] = [:]

    struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    func insert(_ key: FileKey, path: String) { lock.withLock { files[key] = path } }
    func remove(_ key: FileKey) { lock.withLock { _ = files.removeValue(forKey: key) } }
    func contains(_ key: FileKey) -> Bool { lock.withLock { files[key] != nil } }

    /// Unlinks every temporary this process is still writing, for a process about to `_exit`
    /// under its writers' feet (a forced stop): what they wrote is worth nothing, and no
    /// half-written file should wait for the next start's cleaning. A name that meanwhile
    /// belongs to another file is left alone.
    func removeAll() {
        lock.withLock {
            for (key, path) in files {
                var status = stat()
                if lstat(path, &status) == 0, UInt64(status.st_dev) == key.device, UInt64(status.st_ino) == key.inode {
                    unlink(path)
                }
            }
            files.removeAll()
        }
    }
}
