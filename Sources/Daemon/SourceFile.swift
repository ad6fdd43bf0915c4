#if canImport(Glibc)
import Glibc
#endif

/// Size and modification time as the queue records them (the same arithmetic as the watcher's,
/// so a file unchanged since it was queued compares equal).
struct SourceFile: Equatable {
    var size: Int64
    var mtime: Double

    /// Follows symlinks: a link's job is about the file it points to.
    init?(_ path: String) {
        var s = stat()
        guard stat(path, &s) == 0, s.st_mode & S_IFMT == S_IFREG else { return nil }
        size = Int64(s.st_size)
        mtime = Double(Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)) / 1e9
    }
}
