import Foundation

/// The temporaries this process is writing right now. `flock` already protects them from other
/// processes; this set covers the case where it cannot: on NFS, Linux implements flock with
/// POSIX locks, which belong to the whole process, so a cleaner in the same process (another
/// daemon worker) would be granted the lock of a file its neighbour is still writing.
final class LiveTemporaries: @unchecked Sendable {
    static let shared = LiveTemporaries()
    private let lock = NSLock()
    /// By device and inode rather than path, so that two spellings of one folder agree.
    private var files: Set<FileKey> = []

    struct FileKey: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    func insert(_ key: FileKey) { lock.withLock { _ = files.insert(key) } }
    func remove(_ key: FileKey) { lock.withLock { _ = files.remove(key) } }
    func contains(_ key: FileKey) -> Bool { lock.withLock { files.contains(key) } }
}
