/// This host's watched roots, mapping a job's (root name, relative path) to the absolute path
/// here and back: the intake files a job under the root it found the file in, and a worker on
/// any host opens the job's file under its own path for that root.
public struct RootMap: Sendable, Equatable {
    public let roots: [WatchRoot]

    public init(_ roots: [WatchRoot]) { self.roots = roots }

    /// Where a file lies, as a job stores it.
    public struct Place: Sendable, Equatable {
        public var rootName: String
        /// Below the root, without a leading "/" ("2019/cat.jpg").
        public var relativePath: String

        public init(rootName: String, relativePath: String) {
            self.rootName = rootName
            self.relativePath = relativePath
        }
    }

    public var names: [String] { roots.map(\.name) }

    public func root(named name: String) -> WatchRoot? { roots.first { $0.name == name } }

    /// The root `path` (absolute) lies under and its path below it; nil outside every root
    /// (`enhance-ctl enqueue` of another folder). The path is taken as written first (what the
    /// watcher reports), then with symlinks resolved on both sides (a path typed through a
    /// link to the root).
    public func place(of path: String) -> Place? {
        if let place = Self.place(of: path, in: roots) { return place }
        guard let real = realPath(path) else { return nil }
        let canonical = roots.compactMap { root in realPath(root.path).map { WatchRoot(name: root.name, path: $0) } }
        return Self.place(of: real, in: canonical)
    }

    /// The absolute path here of the file at `place`; nil when this host has no root of that name.
    public func path(of place: Place) -> String? {
        root(named: place.rootName).map { $0.path.hasSuffix("/") ? $0.path + place.relativePath : $0.path + "/" + place.relativePath }
    }

    private static func place(of path: String, in roots: [WatchRoot]) -> Place? {
        for root in roots {
            let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
            if path.hasPrefix(prefix), path.count > prefix.count {
                return Place(rootName: root.name, relativePath: String(path.dropFirst(prefix.count)))
            }
        }
        return nil
    }
}
