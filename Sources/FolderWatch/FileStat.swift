#if canImport(Glibc)
import Glibc
#endif
import Common
import Storage

/// What the stability check, the symlink rule and the queue's "unchanged since" test need from
/// `stat`: the kind of file, plus size and mtime as Storage's `FileIdentity` computes them.
public struct FileStat: Equatable, Sendable {
    public enum Kind: Sendable { case regular, directory, symlink, other }
    public var kind: Kind
    /// Device, inode, size and mtime: a replacement with the same size and mtime still differs.
    public var identity: FileIdentity

    /// `lstat` (the link itself) or `stat` (what it points to); nil when the path is gone.
    public init?(_ path: String, followingLinks: Bool = false) {
        var s = stat()
        guard (followingLinks ? stat(path, &s) : lstat(path, &s)) == 0 else { return nil }
        self.init(s)
    }

    public init(_ s: stat) {
        switch s.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        identity = FileIdentity(s)
    }

    public var size: Int64 { identity.size }
    /// Nanoseconds since 1970.
    public var mtime: Int64 { identity.mtimeNanoseconds }
    /// Seconds since 1970, as the queue records it.
    public var mtimeSeconds: Double { identity.mtimeSeconds }
}
