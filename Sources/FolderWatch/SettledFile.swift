/// A file that has stopped changing and passed the ignore rules: ready to be enqueued.
public struct SettledFile: Sendable, Equatable {
    /// Absolute path as found under the root (a symlink's own path when it is one).
    public var path: String
    /// The watched root it lies under.
    public var root: String
    public var size: Int64
    /// Seconds since 1970.
    public var mtime: Double

    public init(path: String, root: String, size: Int64, mtime: Double) {
        self.path = path
        self.root = root
        self.size = size
        self.mtime = mtime
    }
}
