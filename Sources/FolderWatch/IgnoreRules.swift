/// FolderWatch: turns folders into a stream of settled image files — inotify events (recursive,
/// including folders created later), a start-up reconciliation scan, rescans after a lost event
/// queue and periodically, a settle delay with a size/mtime stability check, and ignore rules.
import Foundation

/// Which names are never work: hidden and temporary files, system clutter, anything that is not
/// a PNG or JPEG by name, and our own outputs (or the daemon would enhance its outputs forever).
public struct IgnoreRules: Sendable {
    public var imageExtensions: Set<String> = ["png", "jpg", "jpeg"]
    /// Browser and copy tools' partial-download names, and Windows/macOS clutter.
    public var temporarySuffixes = [".part", ".tmp", ".crdownload", ".partial", ".download", "~"]
    public var clutter: Set<String> = ["thumbs.db", "desktop.ini", ".ds_store"]
    /// Our outputs, by the configured name pattern.
    public var isOwnOutput: @Sendable (String) -> Bool

    public init(isOwnOutput: @escaping @Sendable (String) -> Bool = { _ in false }) {
        self.isOwnOutput = isOwnOutput
    }

    /// Whether a file called `name` is ignored.
    public func ignoresFile(_ name: String) -> Bool {
        let lower = name.lowercased()
        if name.hasPrefix(".") || clutter.contains(lower) { return true }
        if temporarySuffixes.contains(where: { lower.hasSuffix($0) }) { return true }
        let ext = (lower as NSString).pathExtension
        if !imageExtensions.contains(ext) { return true }   // also covers our .xmp sidecars
        return isOwnOutput(name)
    }

    /// Whether a folder called `name` is left out of watching and scans (hidden ones: .git,
    /// .Trash, sync tools' state).
    public func ignoresDirectory(_ name: String) -> Bool { name.hasPrefix(".") }
}
