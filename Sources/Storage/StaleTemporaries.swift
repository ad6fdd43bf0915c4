#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Removes the temporaries a dead writer left in a folder (the daemon killed mid-job, a power
/// cut); the daemon calls it before a job writes there.
///
/// The rule: a file is removed only if its name has exactly our shape (`TemporaryName`) — no
/// other file is ever touched, hidden or not — and no live writer owns it. A live writer is a
/// `PendingFile` of this process, or any process holding the file's `flock` (every
/// `PendingFile` holds one until it commits or discards, and the kernel releases it when its
/// process dies, even by SIGKILL). Age alone would be a bad test: a slow writer of a huge image
/// may not touch its file for minutes, and a crashed one's file should go now, not in an hour.
/// Only where the filesystem cannot lock at all (some FUSE mounts) does age decide: such a
/// file goes once it has not been modified for `unlockedMinimumAge` seconds.
public enum StaleTemporaries {
    public static let unlockedMinimumAge: Int64 = 600

    /// Returns the names it removed. Errors (an unreadable folder, a file that vanished
    /// meanwhile) are skipped: cleaning is best effort, and the write that follows reports
    /// anything that really matters.
    @discardableResult
    public static func remove(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if TemporaryName.isTemporary(name) { names.append(name) }
        }
        closedir(dir)
        let location = FilePath(directory + "/x")
        return names.filter { removeIfAbandoned(location.sibling($0)) }
    }

    private static func removeIfAbandoned(_ path: String) -> Bool {
        var fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 && errno == EACCES { fd = open(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return false }
        let key = LiveTemporaries.FileKey(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        guard !LiveTemporaries.shared.contains(key) else { return false }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            // Held: its writer is alive. Any other failure: locks do not work here, use the age.
            guard errno != EWOULDBLOCK else { return false }
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            guard Int64(now.tv_sec) - Int64(status.st_mtim.tv_sec) >= unlockedMinimumAge else { return false }
        }
        // Still the file we examined (not a new one a writer created under the same name)?
        var byName = stat()
        guard lstat(path, &byName) == 0, byName.st_dev == status.st_dev, byName.st_ino == status.st_ino else {
            return false
        }
        return unlink(path) == 0
    }
}
