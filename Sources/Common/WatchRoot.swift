/// A watched folder with its name: `[[watch.root]] name = "family", path = "/mnt/archive/family"`,
/// or an entry of `roots = [...]`, named after its last path component. Jobs store the name
/// and the path below the folder (not the absolute path), so that hosts which mount the same
/// share at different places agree on which file a job is: the name is the fact they share,
/// the path is each host's own.
public struct WatchRoot: Sendable, Equatable, Codable {
    public var name: String
    /// Absolute, as this host reaches the folder.
    public var path: String

    public init(name: String, path: String) {
        self.name = name
        self.path = path
    }

    /// The name a root of `roots = [...]` gets: its folder's last path component, which two
    /// hosts mounting one share at `/mnt/a/family` and `/srv/family` agree on.
    public static func defaultName(forPath path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? "/"
    }
}
