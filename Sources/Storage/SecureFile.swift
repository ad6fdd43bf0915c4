#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A source file opened so that what is read is what lies beneath the root, and stays that
/// file however the folder changes afterwards.
///
/// The hole it closes: a root daemon re-checked a queued `bait.png` by size and mtime and then
/// opened it by path, so replacing it (atomically, with a rename) by a symlink to
/// `/etc/shadow` made it read a file outside every watched folder. `open(relativePath:under:)`
/// instead walks from the root one component at a time with `openat`: every folder on the way
/// with O_DIRECTORY|O_NOFOLLOW (a symlinked folder is refused), the file itself with
/// O_NOFOLLOW|O_NONBLOCK (a symlink is refused; a FIFO cannot hang the open), then `fstat`s the
/// descriptor — not the name — so the identity reported is the open file's. Everything after
/// (the identity check, hashing, decoding with `ImageReader(descriptor:path:)`) uses this one
/// descriptor, so a swap after the check cannot change what is read. The root itself may be a
/// symlink: it comes from the administrator's configuration, not from the folder's users.
///
/// Hard links are accepted. A hard link to a file outside the root is, to the kernel, that file
/// itself under another name (one inode, no "target" to inspect), and archives and backup tools
/// (rsync -H, cp -al snapshots) create them legitimately. Making one needs write access to the
/// watched folder and, with `fs.protected_hardlinks=1` (the default on Debian), ownership of or
/// read and write access to the file — so it cannot reach a file its maker could not already read.
/// `linkCount` is exposed for a caller that wants to be stricter.
public final class SecureFile {
    /// The path it was opened as (root + relative path), for messages only.
    public let path: String
    /// Owned: closed in deinit. Opened O_RDONLY | O_CLOEXEC, blocking.
    public let descriptor: Int32
    /// The open file's identity, from fstat at open.
    public let identity: FileIdentity
    /// Permission bits (`st_mode & 0o7777`).
    public let mode: mode_t
    public let linkCount: Int

    public var device: UInt64 { identity.device }
    public var inode: UInt64 { identity.inode }
    public var size: Int64 { identity.size }
    public var mtimeNanoseconds: Int64 { identity.mtimeNanoseconds }

    private init(path: String, descriptor: Int32, status: stat) {
        self.path = path
        self.descriptor = descriptor
        identity = FileIdentity(status)
        mode = status.st_mode & 0o7777
        linkCount = Int(status.st_nlink)
    }

    deinit {
        close(descriptor)
    }

    /// Opens `path`, which must lie beneath `root` (both absolute, as the daemon has them).
    public static func open(path: String, under root: String) throws(StorageError) -> SecureFile {
        let base = root.hasSuffix("/") ? root : root + "/"
        guard path.hasPrefix(base) else {
            throw StorageError(.outsideRoot, path: path, detail: "not beneath the watched folder \(root)")
        }
        return try open(relativePath: String(path.dropFirst(base.count)), under: root)
    }

    /// Opens `relativePath` beneath `root` without following any symbolic link on the way.
    /// `..` is refused outright, and so is a path that names no file (empty, or ending in `/`).
    public static func open(relativePath: String, under root: String) throws(StorageError) -> SecureFile {
        let full = root.hasSuffix("/") ? root + relativePath : root + "/" + relativePath
        var components = relativePath.split(separator: "/", omittingEmptySubsequences: true)
            .map(String.init).filter { $0 != "." }
        guard !components.contains("..") else {
            throw StorageError(.outsideRoot, path: full, detail: "'..' is not allowed in a path beneath \(root)")
        }
        guard let name = components.popLast(), !relativePath.hasSuffix("/") else {
            throw StorageError(.notRegularFile, path: full, detail: "names a folder, not a file")
        }
        var directory = openDirectory(root)
        guard directory >= 0 else { throw StorageError.system("cannot open the watched folder \(root)", path: full, errno: errno) }
        defer { close(directory) }

        var walked = root
        for component in components {
            walked += "/" + component
            let next = openat(directory, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard next >= 0 else { throw refusal(errno, at: walked, in: directory, name: component, file: full) }
            close(directory)
            directory = next
        }

        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
        // O_NOCTTY: a terminal device never becomes our controlling terminal.
        let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw refusal(errno, at: full, in: directory, name: name, file: full) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(fd)
            throw StorageError.system("cannot stat", path: full, errno: code)
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            let what = status.st_mode & S_IFMT == S_IFDIR ? "a folder" : "a FIFO, device or socket"
            throw StorageError(.notRegularFile, path: full, detail: "is \(what), not a regular file")
        }
        let flags = fcntl(fd, F_GETFL)
        if flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0 {
            let code = errno
            close(fd)
            throw StorageError.system("cannot make the descriptor blocking", path: full, errno: code)
        }
        return SecureFile(path: full, descriptor: fd, status: status)
    }

    /// Throws `.changed`, naming what differs, unless this is the file `expected` describes.
    public func verify(matches expected: FileIdentity) throws(StorageError) {
        if let difference = identity.difference(from: expected) {
            throw StorageError(.changed, path: path, detail: "changed since it was queued: \(difference)")
        }
    }

    /// The check the job queue can make today, which records size and mtime (seconds, as a
    /// Double) but not device and inode: the same 1 µs tolerance as the worker's.
    public func verify(size expectedSize: Int64, mtimeSeconds expected: Double) throws(StorageError) {
        guard size == expectedSize, abs(identity.mtimeSeconds - expected) < 1e-6 else {
            throw StorageError(.changed, path: path,
                               detail: "changed since it was queued (size \(expectedSize) → \(size) bytes, mtime \(expected) → \(identity.mtimeSeconds))")
        }
    }

    // MARK: Reading (for hashing; decoding goes through ImageReader(descriptor:path:))

    /// Reads up to `buffer.count` bytes at `offset` with pread, which leaves the descriptor's
    /// own offset alone — the decoder, reading through a dup of this descriptor, shares that
    /// offset. Returns the byte count, 0 at the end of the file.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(StorageError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = pread(descriptor, base, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw StorageError.system("cannot read", path: path, errno: errno)
        }
    }

    /// Calls `body` with each successive chunk of the whole file, from its first byte to its
    /// last (as it is now, whatever `size` said at open), at most `chunkSize` bytes at a time.
    public func forEachChunk(chunkSize: Int = 1 << 20,
                             _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buffer = [UInt8](repeating: 0, count: max(1, chunkSize))
        var offset: Int64 = 0
        while true {
            let count = try buffer.withUnsafeMutableBytes { (raw) throws(StorageError) in try read(into: raw, at: offset) }
            guard count > 0 else { return }
            try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            offset += Int64(count)
        }
    }

    /// Turns a failed openat into a clear refusal: ELOOP from O_NOFOLLOW, or ENOTDIR from
    /// O_DIRECTORY on a symlink to a file, both mean "a symbolic link was in the way".
    private static func refusal(_ code: Int32, at walked: String, in directory: Int32, name: String,
                                file: String) -> StorageError {
        var status = stat()
        if (code == ELOOP || code == ENOTDIR),
           fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) == 0, status.st_mode & S_IFMT == S_IFLNK {
            let which = walked == file ? "is a symbolic link" : "\(walked) on the way is a symbolic link"
            return StorageError(.symbolicLink, path: file, detail: "refused: \(which) (links are not followed)",
                                errno: code)
        }
        if code == ENOTDIR {
            return StorageError(.notFound, path: file, detail: "\(walked) is not a folder", errno: code)
        }
        return StorageError.system(walked == file ? "cannot open" : "cannot open \(walked)", path: file, errno: code)
    }
}

/// Outside the class, whose own `open` would shadow the system call.
private func openDirectory(_ path: String) -> Int32 {
    open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
}

/// One owner at a time: the descriptor is shared with decoders through dup.
@available(*, unavailable)
extension SecureFile: Sendable {}
