import Common

/// The file formats the codecs read and write, and how a path's extension
/// names one. Reading never trusts the extension (see `ImageReader`); it is
/// only used to choose an output format.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case png
    case jpeg
    case tiff
    case webp
    /// HEIC and AVIF (ISO media through libheif): read only.
    case heif

    /// Recognises `png`, `jpg`/`jpeg`, `tif`/`tiff`, `webp` and `heic`/`heif`/`avif` in any
    /// letter case, with or without the dot.
    public init?(pathExtension: String) {
        var ext = Substring(pathExtension)
        if ext.hasPrefix(".") { ext = ext.dropFirst() }
        switch ext.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        case "tif", "tiff": self = .tiff
        case "webp": self = .webp
        case "heic", "heif", "avif": self = .heif
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
        case .tiff: "tif"
        case .webp: "webp"
        case .heif: "heic"
        }
    }

    /// Whether the codecs can write it (HEIF is read only).
    public var isWritable: Bool { self != .heif }

    /// The output extensions, for messages: ".png, .jpg, .jpeg, .tif, .tiff or .webp".
    public static var writableExtensionsList: String {
        let names = ImageFileTypes.writable.map { "." + $0 }
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }

    /// Whether the format has a home for IPTC-IIM (`ImageMetadata.iptc`): JPEG's APP13, TIFF's
    /// tag 33723. Where it has none, the IPTC fields are carried in XMP instead (see Metadata's
    /// `DerivedXMP`).
    public var holdsIPTC: Bool {
        switch self {
        case .jpeg, .tiff: true
        case .png, .webp, .heif: false
        }
    }

    public var description: String {
        switch self {
        case .png: "PNG"
        case .jpeg: "JPEG"
        case .tiff: "TIFF"
        case .webp: "WebP"
        case .heif: "HEIF"
        }
    }
}
