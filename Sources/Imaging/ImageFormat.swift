/// The file formats the codecs read and write, and how a path's extension
/// names one. Reading never trusts the extension (see `ImageReader`); it is
/// only used to choose an output format.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case png
    case jpeg

    /// Recognises `png`, `jpg` and `jpeg` in any letter case, with or without the dot.
    public init?(pathExtension: String) {
        var ext = Substring(pathExtension)
        if ext.hasPrefix(".") { ext = ext.dropFirst() }
        switch ext.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        default: return nil
        }
    }

    /// The format named by the extension of the last path component, if any.
    public init?(path: String) {
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last ?? Substring(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        self.init(pathExtension: String(name[name.index(after: dot)...]))
    }

    public var preferredPathExtension: String {
        switch self {
        case .png: "png"
        case .jpeg: "jpg"
        }
    }

    /// Whether the format has a home for IPTC-IIM (`ImageMetadata.iptc`): JPEG's APP13. Where it
    /// has none, the IPTC fields are carried in XMP instead (see Metadata's `DerivedXMP`).
    public var holdsIPTC: Bool {
        switch self {
        case .jpeg: true
        case .png: false
        }
    }

    public var description: String {
        switch self {
        case .png: "PNG"
        case .jpeg: "JPEG"
        }
    }
}
