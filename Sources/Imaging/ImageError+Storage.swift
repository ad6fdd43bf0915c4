#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Storage

extension ImageError {
    /// A Storage failure in an image's terms: a name that cannot exist is a request that can
    /// never succeed (`invalidArgument`, which the daemon fails at once), a folder in the way
    /// is `isDirectory`, anything else a write failure that may pass.
    public init(storage error: StorageError) {
        let kind: Kind = switch error.kind {
        case .nameTooLong, .outsideRoot: .invalidArgument
        case .system where error.errno == EISDIR: .isDirectory
        default: .writeFailed
        }
        self.init(kind, path: error.path, detail: error.detail)
    }
}

/// Like `ImageReader`, a writer owns a non-thread-safe C handle.
@available(*, unavailable)
extension ImageWriter: Sendable {}
