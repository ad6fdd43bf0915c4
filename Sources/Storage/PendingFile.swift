#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file that does not exist under its name yet: bytes go to a temporary beside the
/// destination (`TemporaryName`), and `commit()` makes it appear whole — fsync the file, rename
/// it over the destination, fsync the folder — so a reader, a watcher or a crash sees the old
/// file or the new one, never a part. `discard()`, or dropping it uncommitted, unlinks the
/// temporary.
///
/// While it exists the temporary is held under an exclusive `flock`: the lock is what
/// `StaleTemporaries` asks to tell a live writer's file from a dead one's, and the kernel drops
/// it when the process dies, however it dies. The C encoder may write through a `dup` of
/// `descriptor` (a dup shares the lock); only this object closes the original.
public final class PendingFile {
    /// Where the file appears on `commit()`.
    public let path: String
    /// The temporary, in the same folder so the rename stays on one filesystem and is atomic.
    public let temporaryPath: String
    /// Open for writing (O_WRONLY, O_CLOEXEC) until commit or discard; -1 afterwards.
    public private(set) var descriptor: Int32
    public private(set) var isCommitted = false

    let location: FilePath
    /// Whether `flock` worked here; without it `StaleTemporaries` falls back to the file's age.
    let isLocked: Bool
    private let key: LiveTemporaries.FileKey

    /// Creates the temporary with `mode` masked to 0o666 (never set-id or executable bits) and
    /// then by the process umask, as open(2) does: the daemon passes its source's mode so an
    /// output is never readable by more people than its photo, and the unit's `UMask=` still
    /// has the last word. Throws `.nameTooLong` at once when `path`'s name cannot exist.
    /// Unlinks every `PendingFile` of this process not yet committed or discarded — only for a
    /// process that exits next, while their writers are still running (see `LiveTemporaries`).
    public static func removeAllUncommitted() { LiveTemporaries.shared.removeAll() }

    public init(replacing path: String, mode: mode_t = 0o644) throws(StorageError) {
        let location = FilePath(path)
        try location.checkNameFits(path: path)
        var attempt = 0
        while true {
            attempt += 1
            let temporary = location.sibling(TemporaryName.make())
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0o666)
            if fd < 0 {
                let code = errno
                if code == EEXIST && attempt < 8 { continue }
                throw StorageError.system("cannot create a temporary file in \(location.directory)",
                                          path: path, errno: code)
            }
            let locked = flock(fd, LOCK_EX | LOCK_NB) == 0
            if !locked && errno == EWOULDBLOCK && attempt < 8 {
                // Someone holds the lock of a file created an instant ago: a cleaner
                // (`StaleTemporaries`, in another worker or on another host sharing the folder)
                // that found it unlocked and is about to unlink it. Leave it to the cleaner and
                // start again under a new name; writing on would write into an unlinked file
                // (seen once in 300 photos with three daemons on one folder).
                close(fd)
                continue
            }
            var status = stat()
            fstat(fd, &status)
            let key = LiveTemporaries.FileKey(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
            LiveTemporaries.shared.insert(key, path: temporary)
            // A cleaner may have found the file in the instant before the lock and removed it;
            // then the name is gone (or another file's) and this descriptor writes to nowhere.
            if locked && !Self.name(temporary, isStill: status) && attempt < 8 {
                LiveTemporaries.shared.remove(key)
                close(fd)
                continue
            }
            self.key = key
            self.path = path
            self.temporaryPath = temporary
            self.location = location
            self.descriptor = fd
            self.isLocked = locked
            return
        }
    }

    deinit {
        discard()
    }

    /// Appends `bytes` at the descriptor's offset.
    public func write(_ bytes: [UInt8]) throws(StorageError) {
        let failure = bytes.withUnsafeBytes { raw -> StorageError? in
            do throws(StorageError) { try write(raw); return nil } catch { return error }
        }
        if let failure { throw failure }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        guard descriptor >= 0 else {
            throw StorageError(.system, path: path, detail: "written after commit or discard", errno: EBADF)
        }
        if let code = Descriptor.writeAll(descriptor, bytes) {
            discard()
            throw StorageError.system("cannot write \(temporaryPath)", path: path, errno: code)
        }
    }

    /// fsync, rename over `path`, fsync the folder. On failure the temporary is removed and
    /// nothing changes at `path`. Committing twice is a no-op.
    public func commit() throws(StorageError) {
        guard !isCommitted else { return }
        try flush()
        try moveIntoPlace()
        finishCommit()
    }

    /// Removes the temporary (nothing appears at `path`). Idempotent; a committed file stays.
    public func discard() {
        guard !isCommitted else { return }
        if descriptor >= 0 {
            // Unlink before close: until then our lock keeps a cleaner away from the name.
            unlink(temporaryPath)
            close(descriptor)
            descriptor = -1
            LiveTemporaries.shared.remove(key)
        }
    }

    // MARK: The three steps of a commit, apart so that `PairedCommit` can interleave two files.

    /// The bytes on disk before the name points at them: otherwise a crash after the rename can
    /// leave a complete-looking name over an empty or partial file (ext4's delayed allocation).
    func flush() throws(StorageError) {
        guard descriptor >= 0 else {
            throw StorageError(.system, path: path, detail: "committed after discard", errno: EBADF)
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            discard()
            throw StorageError.system("cannot flush \(temporaryPath) to disk", path: path, errno: code)
        }
    }

    func moveIntoPlace() throws(StorageError) {
        guard rename(temporaryPath, path) == 0 else {
            let code = errno
            discard()
            throw StorageError.system("cannot move the finished file into place", path: path, errno: code)
        }
        isCommitted = true
    }

    /// Best effort: the file is complete and visible by now, and failing to persist the folder
    /// entry is not worth reporting a correct file as failed.
    func finishCommit() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
            LiveTemporaries.shared.remove(key)
        }
        Descriptor.syncDirectory(location.directory)
    }

    private static func name(_ path: String, isStill opened: stat) -> Bool {
        var byName = stat()
        guard lstat(path, &byName) == 0 else { return false }
        return byName.st_dev == opened.st_dev && byName.st_ino == opened.st_ino
    }
}

/// One writer at a time: the descriptor and the commit state are not synchronised.
@available(*, unavailable)
extension PendingFile: Sendable {}
