/// Storage: safe file operations, and nothing else. Sources are opened without following links
/// (`SecureFile`); files appear complete or not at all (`PendingFile`, `AtomicFile`, `PairedCommit`)
/// under temporary names that always fit (`TemporaryName`), are created with the caller's mode
/// bits, and are cleaned up after a crash (`StaleTemporaries`). No module here above the C library:
/// Imaging, ModelFormats, the daemon and the CLI all build on it.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every failure names the path it is about and says whether trying again could help.
public struct StorageError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The final name is longer than the filesystem allows: no retry can create it.
        case nameTooLong
        /// A path component (or the file itself) is a symbolic link where none is accepted.
        case symbolicLink
        /// The file is a directory, FIFO, device or socket, not a regular file.
        case notRegularFile
        /// The path is not beneath the root it must be opened under (`..`, or another folder).
        case outsideRoot
        /// The file is not the one that was checked earlier (another inode, size or mtime).
        case changed
        /// The file or a folder on the way does not exist.
        case notFound
        /// Any other operating-system failure (`errno` says which).
        case system
    }

    public let kind: Kind
    public let path: String
    public let detail: String
    /// The errno behind the failure, 0 when there was none.
    public let errno: Int32

    public init(_ kind: Kind, path: String, detail: String, errno: Int32 = 0) {
        self.kind = kind
        self.path = path
        self.detail = detail
        self.errno = errno
    }

    /// Wraps a failed system call: `action` says what was attempted ("cannot create …").
    static func system(_ action: String, path: String, errno code: Int32) -> StorageError {
        let kind: Kind = switch code {
        case ENOENT: .notFound
        case ENAMETOOLONG: .nameTooLong
        case ELOOP: .symbolicLink
        default: .system
        }
        return StorageError(kind, path: path, detail: "\(action): \(String(cString: strerror(code)))", errno: code)
    }

    /// True when the same request can never succeed (a name that cannot exist, a link, a
    /// non-file, a path outside the root): the daemon fails such a job at once instead of
    /// retrying it. A changed or vanished file is not permanent: it is someone else's new work.
    public var isPermanent: Bool {
        switch kind {
        case .nameTooLong, .symbolicLink, .notRegularFile, .outsideRoot: true
        case .changed, .notFound, .system: false
        }
    }

    public var description: String { "\(path): \(detail)" }
}
