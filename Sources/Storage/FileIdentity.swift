#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What says "this is still the file that was queued": device and inode name the file itself
/// (a replacement, even one with the same size and mtime, has another inode), size and mtime
/// say its content has not been rewritten in place.
public struct FileIdentity: Sendable, Equatable, Hashable {
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// Nanoseconds since the epoch.
    public var mtimeNanoseconds: Int64

    public init(device: UInt64, inode: UInt64, size: Int64, mtimeNanoseconds: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
    }

    /// The one place a `stat` becomes a size and an mtime (the watcher's `FileStat` builds on
    /// it): the watcher, the intake and the worker must compute the same mtime from the same
    /// file, or an unchanged photo looks changed.
    public init(_ status: stat) {
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        mtimeNanoseconds = Int64(status.st_mtim.tv_sec) * 1_000_000_000 + Int64(status.st_mtim.tv_nsec)
    }

    /// Seconds as a Double, the arithmetic the job queue and the watcher use.
    public var mtimeSeconds: Double { Double(mtimeNanoseconds) / 1e9 }

    /// What differs from `expected`, in words, or nil when nothing does.
    public func difference(from expected: FileIdentity) -> String? {
        if device != expected.device || inode != expected.inode {
            return "it is another file now (device \(device) inode \(inode), expected device \(expected.device) inode \(expected.inode))"
        }
        if size != expected.size { return "its size changed from \(expected.size) to \(size) bytes" }
        if mtimeNanoseconds != expected.mtimeNanoseconds { return "its modification time changed" }
        return nil
    }
}
