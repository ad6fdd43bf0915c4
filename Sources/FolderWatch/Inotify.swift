#if canImport(Glibc)
import Glibc
#endif

/// One inotify instance: the raw Linux API, owned here and closed in `deinit`.
final class Inotify {
    struct Event {
        var watch: Int32
        var mask: UInt32
        var name: String
        /// False when the name's bytes are not UTF-8 (`name` then has them escaped).
        var nameIsValid = true

        func has(_ flag: Int32) -> Bool { mask & UInt32(bitPattern: flag) != 0 }
    }

    let descriptor: Int32

    /// Close-after-write and moved-in files; created, moved and deleted folders; writes, so a
    /// file still being written keeps its settle timer from running out.
    static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_MODIFY
                             | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

    init() throws(WatchError) {
        let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard fd >= 0 else { throw WatchError("inotify_init1", errno: errno) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Adds a watch on a directory; returns its descriptor, or the errno (ENOSPC when the
    /// per-user watch limit fs.inotify.max_user_watches is reached).
    func addWatch(_ path: String) -> Result<Int32, WatchError> {
        let wd = inotify_add_watch(descriptor, path, Self.mask)
        return wd >= 0 ? .success(wd) : .failure(WatchError(path, errno: errno))
    }

    func removeWatch(_ wd: Int32) { _ = inotify_rm_watch(descriptor, wd) }

    /// Every event ready now (non-blocking; empty when none).
    func read() -> [Event] {
        var events: [Event] = []
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(descriptor, buffer, capacity)
            if count <= 0 { break }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let wd = buffer.load(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                let length = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                let namePointer = (buffer + offset + header).assumingMemoryBound(to: CChar.self)
                let name = length > 0 ? FileName(cString: namePointer) : FileName(text: "", isValid: true)
                events.append(Event(watch: wd, mask: mask, name: name.text, nameIsValid: name.isValid))
                offset += header + length
            }
        }
        return events
    }
}

/// A system call that failed, with its errno.
public struct WatchError: Error, CustomStringConvertible, Sendable {
    public let what: String
    public let code: Int32

    init(_ what: String, errno code: Int32) {
        self.what = what
        self.code = code
    }

    public var description: String { "\(what): \(String(cString: strerror(code)))" }
}
