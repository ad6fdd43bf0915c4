#if canImport(Glibc)
import Glibc
#endif

/// What the stability check and the symlink rule need from `stat`.
struct FileStat: Equatable {
    enum Kind { case regular, directory, symlink, other }
    var kind: Kind
    var size: Int64
    /// Nanoseconds since 1970.
    var mtime: Int64

    /// `lstat` (the link itself) or `stat` (what it points to); nil when the path is gone.
    init?(_ path: String, followingLinks: Bool = false) {
        var s = stat()
        guard (followingLinks ? stat(path, &s) : lstat(path, &s)) == 0 else { return nil }
        switch s.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symlink
        default: kind = .other
        }
        size = Int64(s.st_size)
        mtime = Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)
    }

    var mtimeSeconds: Double { Double(mtime) / 1e9 }
}

/// The canonical absolute path (symlinks resolved), or nil when it does not resolve.
func realPath(_ path: String) -> String? {
    guard let resolved = realpath(path, nil) else { return nil }
    defer { free(resolved) }
    return String(cString: resolved)
}
