/// Translation from the C codec target's status codes and message buffers
/// into `ImageError`. This is the only place that knows both vocabularies.
import CImageCodecs

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ic_error {
    var text: String {
        var copy = self
        return withUnsafeBytes(of: &copy.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}

extension ImageError {
    /// `writing` decides what an operating-system failure means: when
    /// writing, any of them is a `writeFailed`.
    init(status: ic_status, error: ic_error, path: String, writing: Bool = false) {
        let detail = error.text
        let kind: Kind
        switch status {
        case IC_ERR_SYSTEM where writing:
            kind = .writeFailed
        case IC_ERR_SYSTEM:
            switch error.sys_errno {
            case ENOENT, ENOTDIR: kind = .notFound
            case EISDIR: kind = .isDirectory
            default: kind = .unreadable
            }
        case IC_ERR_EMPTY: kind = .empty
        case IC_ERR_UNSUPPORTED: kind = .unsupportedFormat
        case IC_ERR_CORRUPT: kind = .corrupt
        case IC_ERR_TRUNCATED: kind = .truncated
        case IC_ERR_TOO_LARGE: kind = .tooLarge
        case IC_ERR_WRITE: kind = .writeFailed
        case IC_ERR_OUT_OF_MEMORY: kind = .outOfMemory
        case IC_ERR_USAGE: kind = .invalidArgument
        default: kind = writing ? .writeFailed : .corrupt
        }
        self.init(kind, path: path, detail: detail)
    }

    static func system(_ kind: Kind, path: String, action: String, errno code: Int32) -> ImageError {
        ImageError(kind, path: path, detail: "\(action): \(String(cString: strerror(code)))")
    }
}

extension ImageFormat {
    var codecFormat: Int32 {
        switch self {
        case .png: Int32(IC_FORMAT_PNG.rawValue)
        case .jpeg: Int32(IC_FORMAT_JPEG.rawValue)
        case .tiff: Int32(IC_FORMAT_TIFF.rawValue)
        case .webp: Int32(IC_FORMAT_WEBP.rawValue)
        case .heif: Int32(IC_FORMAT_HEIF.rawValue)
        }
    }

    init?(codecFormat: Int32) {
        switch UInt32(bitPattern: codecFormat) {
        case IC_FORMAT_PNG.rawValue: self = .png
        case IC_FORMAT_JPEG.rawValue: self = .jpeg
        case IC_FORMAT_TIFF.rawValue: self = .tiff
        case IC_FORMAT_WEBP.rawValue: self = .webp
        case IC_FORMAT_HEIF.rawValue: self = .heif
        default: return nil
        }
    }
}
