#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few descriptor loops every writer repeats, each retrying EINTR and short writes.
enum Descriptor {
    /// Writes all of `bytes`; on failure returns the errno.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            if n == 0 { return EIO }
            offset += n
        }
        return nil
    }

    /// Makes a rename or unlink in `directory` durable: POSIX puts the directory entry on disk
    /// only when the directory itself is fsynced (fsync(2): "Calling fsync() does not
    /// necessarily ensure that the entry in the directory containing the file has also reached
    /// disk. For that an explicit fsync() on a file descriptor for the directory is also
    /// needed."). Returns the errno on failure.
    @discardableResult
    static func syncDirectory(_ directory: String) -> Int32? {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        // Some filesystems cannot fsync a directory (EINVAL) and need not: nothing to report.
        if fsync(fd) != 0, errno != EINVAL { return errno }
        return nil
    }
}
