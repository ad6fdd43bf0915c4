#if canImport(Glibc)
import Glibc
#endif

/// What the stability check, the symlink rule and the queue's "unchanged since" test need from
/// `stat`. The one place a `stat` becomes a size and an mtime: the watcher, the intake and the
/// worker must compute the same mtime from the same file, or an unchanged photo looks changed.
public struct FileStat: Equatable, Sendable {
    public enum Kind: Sendable { case regular, directory, symlink, other }
    public var kind: Kind
    public var size: Int64
    /// Nanoseconds since 1970.
    public var mtime: Int64

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
        size = Int64(s.st_size)
        mtime = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
    }

    /// Seconds since 1970, as the queue records it.
    public var mtimeSeconds: Double { Double(mtime) / 1e9 }
}

/// The canonical absolute path (symlinks resolved), or nil when it does not resolve.
func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
