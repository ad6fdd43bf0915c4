/// Why reading or writing an image failed, as one typed value whose
/// description is a single line naming the file and the cause, fit for a
/// log line or a CLI message.
public struct ImageError: Error, CustomStringConvertible, Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The path, or a directory on it, does not exist.
        case notFound
        /// The path names a directory.
        case isDirectory
        /// The file exists but cannot be opened or read (permissions, I/O error).
        case unreadable
        /// The file has no bytes (perhaps still being copied in).
        case empty
        /// Not an image we read by content, or a variant we do not handle
        /// (12-bit JPEG, JPEG with alpha on write…).
        case unsupportedFormat
        /// The codec rejected the data: bad CRC, bad Huffman code, bad header.
        case corrupt
        /// The data ends before the image does (perhaps still being copied in).
        case truncated
        /// The header declares more pixels than the caller allows.
        case tooLarge
        /// The output could not be created, written, synced or renamed.
        case writeFailed
        /// The caller misused the API (wrong sample type, too many rows…).
        case invalidArgument
        case outOfMemory
    }

    public let kind: Kind
    /// The file the operation was about (the destination, when writing).
    public let path: String
    /// The specific cause, e.g. libpng's or libjpeg's own message.
    public let detail: String

    public init(_ kind: Kind, path: String, detail: String = "") {
        self.kind = kind
        self.path = path
        self.detail = detail.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// `path: summary: detail`, or `path: detail` when the detail already says it — it starts
    /// with the summary ("is a directory, not an image file"), or a write failure's detail
    /// says what could not be done ("cannot create a temporary file in …"): the cause once.
    public var description: String {
        if detail.isEmpty { return "\(path): \(kind.summary)" }
        if detail.hasPrefix(kind.summary) || (kind == .writeFailed && detail.hasPrefix("cannot ")) {
            return "\(path): \(detail)"
        }
        return "\(path): \(kind.summary): \(detail)"
    }
}

extension ImageError.Kind {
    var summary: String {
        switch self {
        case .notFound: "not found"
        case .isDirectory: "is a directory"
        case .unreadable: "cannot be read"
        case .empty: "empty file"
        case .unsupportedFormat: "unsupported format"
        case .corrupt: "corrupt image"
        case .truncated: "truncated image"
        case .tooLarge: "image too large"
        case .writeFailed: "cannot write image"
        case .invalidArgument: "invalid request"
        case .outOfMemory: "out of memory"
        }
    }
}
