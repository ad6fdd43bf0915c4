/// FolderWatch: turns folders into a stream of settled image files — inotify events (recursive,
/// including folders created later), a start-up reconciliation scan, rescans after a lost event
/// queue and periodically, a settle delay with a size/mtime stability check, and ignore rules.
import Common
import Foundation

/// Which names are never work: hidden and temporary files, system clutter, anything that is not
/// an image we read by name (PNG, JPEG, TIFF, WebP, HEIC, AVIF), and our own outputs (or the
/// daemon would enhance its outputs forever).
public struct IgnoreRules: Sendable {
    public var imageExtensions: Set<String> = ImageFileTypes.readable
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
    public func reasonToIgnore(_ name: String) -> String? { verdict(name)?.reason }

    /// Why a file called `name` is not work when the reason is its type — the one refusal a
    /// person dropping a file in cannot guess, so the watcher says it (once) — or nil.
    public func unsupportedTypeReason(_ name: String) -> String? {
        guard let verdict = verdict(name), verdict.isType else { return nil }
        return verdict.reason
    }

    private func verdict(_ name: String) -> (reason: String, isType: Bool)? {
        let lower = name.lowercased()
        if name.hasPrefix(".") { return ("a hidden file", false) }
        if clutter.contains(lower) { return ("system clutter", false) }
        if temporarySuffixes.contains(where: { lower.hasSuffix($0) }) { return ("a temporary name (still being written?)", false) }
        let ext = (lower as NSString).pathExtension
        if lower.hasSuffix(".xmp") { return ("an XMP sidecar", false) }
        if !imageExtensions.contains(ext) {
            return ("not a supported image type by its name (\(imageExtensions.sorted().map { "." + $0 }.joined(separator: ", ")))", true)
        }
        if isOwnOutput(name) { return ("an output of enhance (by the output name pattern)", false) }
        return nil
    }

    /// Whether a folder called `name` is left out of watching and scans (hidden ones: .git,
    /// .Trash, sync tools' state).
    public func ignoresDirectory(_ name: String) -> Bool { name.hasPrefix(".") }
}
