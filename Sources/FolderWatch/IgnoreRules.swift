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
    public func ignoresFile(_ name: String) -> Bool { reasonToIgnore(name) != nil }

    /// Why a file called `name` is not work, said for a person (nil when it is work).
    public func reasonToIgnore(_ name: String) -> String? {
        let lower = name.lowercased()
        if name.hasPrefix(".") { return "a hidden file" }
        if clutter.contains(lower) { return "system clutter" }
        if temporarySuffixes.contains(where: { lower.hasSuffix($0) }) { return "a temporary name (still being written?)" }
        let ext = (lower as NSString).pathExtension
        if lower.hasSuffix(".xmp") { return "an XMP sidecar" }
        if !imageExtensions.contains(ext) {
            return "not a supported image type by its name (\(imageExtensions.sorted().map { "." + $0 }.joined(separator: ", ")))"
        }
        if isOwnOutput(name) { return "an output of enhance (by the output name pattern)" }
        return nil
    }

    /// Whether a folder called `name` is left out of watching and scans (hidden ones: .git,
    /// .Trash, sync tools' state).
    public func ignoresDirectory(_ name: String) -> Bool { name.hasPrefix(".") }
}
