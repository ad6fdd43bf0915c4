#if canImport(Glibc)
import Glibc
#endif
import Common
import Foundation

/// Watches folder trees and reports each image file once it has settled.
///
/// A file counts when it is closed after writing or moved in, then stays the same size and
/// mtime for `settleDelay` seconds (writes in the meantime restart the wait). Folders created or
/// moved in later are watched and scanned too. The first scan on start-up reports what arrived
/// while nobody was watching; later scans run every `rescanInterval` seconds and after the
/// kernel's event queue overflowed, because inotify can lose events (and never sees changes
/// made by other machines on network file systems). Reporting a file twice is harmless: the
/// receiver de-duplicates.
///
/// Everything runs on one thread of its own; `onFile` is called there.
public final class FolderWatcher: @unchecked Sendable {
    public enum LogLevel: Sendable { case debug, info, warning }
    public typealias Log = @Sendable (LogLevel, String) -> Void

    /// The roots as given, each with its canonical path (symlinks resolved) for the
    /// leads-outside-the-root test.
    public let roots: [String]
    private let canonicalRoots: [String: String]
    private let rules: IgnoreRules
    private let settleDelay: Double
    private let rescanInterval: Double
    private let log: Log
    private let onFile: @Sendable (SettledFile) -> Void
    private let onRejected: @Sendable (_ path: String, _ reason: String) -> Void

    // Shared with other threads, under `lock`.
    private let lock = NSLock()
    private var stopping = false
    private var rescanReason: String?
    private var scans = 0

    // Owned by the watcher thread.
    private var inotify: Inotify?
    private var watchedDirectories: [String: Int32] = [:]
    private var directoryOfWatch: [Int32: (path: String, root: String)] = [:]
    private var pending: [String: Pending] = [:]
    private var watchesExhausted = false
    private var nextRescan = Double.infinity
    /// Candidates already reported through `onRejected`, so each is said once.
    private var rejected: Set<String> = []
    /// Files already logged as skipped for their type, so each is said once (rescans and
    /// repeated events would say it again).
    private var toldUnsupported: Set<String> = []

    private struct Pending {
        var root: String
        var stat: FileStat
        var deadline: Double
    }

    private var wakeRead: Int32 = -1
    private var wakeWrite: Int32 = -1
    private let finished = DispatchSemaphore(value: 0)
    private var thread: Thread?

    /// Without inotify watches (the limit was reached) rescans are the only way to see new files.
    static let exhaustedRescanInterval = 60.0

    public init(roots: [String], rules: IgnoreRules, settleDelay: Double, rescanInterval: Double,
                log: @escaping Log = { _, _ in }, onFile: @escaping @Sendable (SettledFile) -> Void,
                onRejected: @escaping @Sendable (_ path: String, _ reason: String) -> Void = { _, _ in }) {
        self.roots = roots
        self.canonicalRoots = Dictionary(roots.map { ($0, realPath($0) ?? $0) }, uniquingKeysWith: { a, _ in a })
        self.rules = rules
        self.settleDelay = settleDelay
        self.rescanInterval = rescanInterval
        self.log = log
        self.onFile = onFile
        self.onRejected = onRejected
    }

    deinit {
        if wakeRead >= 0 { close(wakeRead); close(wakeWrite) }
    }

    /// Starts watching; the start-up scan runs on the watcher thread right after the watches are
    /// in place (so nothing falls between scan and watch).
    public func start() throws(WatchError) {
        for root in roots {
            guard FileStat(root, followingLinks: true)?.kind == .directory else {
                throw WatchError(root, errno: ENOTDIR)
            }
        }
        inotify = try Inotify()
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw WatchError("pipe", errno: errno) }
        wakeRead = fds[0]
        wakeWrite = fds[1]
        _ = fcntl(wakeRead, F_SETFL, fcntl(wakeRead, F_GETFL) | O_NONBLOCK)
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "folder-watch"
        self.thread = thread
        thread.start()
    }

    /// Stops the thread and waits for it.
    public func stop() {
        lock.withLock { stopping = true }
        wake()
        if thread != nil { finished.wait() }
        thread = nil
    }

    /// Asks for a full rescan of every root (e.g. on SIGHUP or from a test).
    public func requestRescan(reason: String) {
        lock.withLock { rescanReason = reason }
        wake()
    }

    /// Full scans completed so far, the start-up scan included.
    public var completedScans: Int { lock.withLock { scans } }

    private func wake() {
        var byte: UInt8 = 1
        if wakeWrite >= 0 { _ = write(wakeWrite, &byte, 1) }
    }

    private static func now() -> Double { ProcessInfo.processInfo.systemUptime }

    // MARK: The thread

    private func run() {
        for root in roots { addWatches(root, root: root) }
        scanAll(reason: nil)
        scheduleRescan()
        while !lock.withLock({ stopping }) {
            waitForActivity()
            drainWakePipe()
            if let reason = lock.withLock({ () -> String? in defer { rescanReason = nil }; return rescanReason }) {
                scanAll(reason: reason)
            }
            if let inotify { for event in inotify.read() { handle(event) } }
            settleDueFiles()
            if Self.now() >= nextRescan {
                scanAll(reason: watchesExhausted ? "periodic rescan (inotify watches exhausted)" : "periodic rescan")
                scheduleRescan()
            }
        }
    }

    private func scheduleRescan() {
        let interval = watchesExhausted && (rescanInterval == 0 || rescanInterval > Self.exhaustedRescanInterval)
            ? Self.exhaustedRescanInterval : rescanInterval
        nextRescan = interval > 0 ? Self.now() + interval : .infinity
    }

    private func waitForActivity() {
        let soonest = min(pending.values.map(\.deadline).min() ?? .infinity, nextRescan)
        let timeout: Int32 = soonest == .infinity ? 1000 : Int32(max(0, min(1000, (soonest - Self.now()) * 1000)).rounded(.up))
        var fds = [pollfd(fd: inotify?.descriptor ?? -1, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, timeout)
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    private func handle(_ event: Inotify.Event) {
        if event.has(IN_Q_OVERFLOW) {
            log(.warning, "inotify event queue overflowed: events were lost; rescanning every root")
            scanAll(reason: nil)
            return
        }
        if event.has(IN_IGNORED) {
            if let gone = directoryOfWatch.removeValue(forKey: event.watch) {
                watchedDirectories.removeValue(forKey: gone.path)
            }
            return
        }
        guard let directory = directoryOfWatch[event.watch] else { return }
        if event.has(IN_DELETE_SELF) || event.has(IN_MOVE_SELF) {
            if roots.contains(directory.path) { log(.warning, "\(directory.path): watched root was moved or deleted") }
            return
        }
        let path = directory.path + "/" + event.name
        if event.has(IN_ISDIR) {
            if event.has(IN_CREATE) || event.has(IN_MOVED_TO), !rules.ignoresDirectory(event.name) {
                // Files may land in a new folder before its watch exists: scan it once watched.
                addWatches(path, root: directory.root)
                scan(path, root: directory.root)
            } else if event.has(IN_MOVED_FROM) {
                forgetWatches(under: path)
            }
            return
        }
        if !event.nameIsValid {
            if event.has(IN_CLOSE_WRITE) || event.has(IN_MOVED_TO) || event.has(IN_CREATE) { reject(path, name: event.name) }
        } else if event.has(IN_CLOSE_WRITE) || event.has(IN_MOVED_TO) {
            consider(path, root: directory.root, fromScan: false)
        } else if event.has(IN_CREATE), FileStat(path)?.kind == .symlink {
            consider(path, root: directory.root, fromScan: false)   // a link is never "closed after writing"
        } else if event.has(IN_MODIFY), pending[path] != nil {
            pending[path]?.deadline = Self.now() + settleDelay
        }
    }

    // MARK: Watches

    private func addWatches(_ directory: String, root: String) {
        guard let inotify, watchedDirectories[directory] == nil else { return }
        switch inotify.addWatch(directory) {
        case .success(let wd):
            watchedDirectories[directory] = wd
            directoryOfWatch[wd] = (directory, root)
        case .failure(let error) where error.code == ENOSPC:
            if !watchesExhausted {
                watchesExhausted = true
                log(.warning, "\(directory): out of inotify watches (raise fs.inotify.max_user_watches); new files in unwatched folders are found by rescans every \(Int(min(rescanInterval > 0 ? rescanInterval : Self.exhaustedRescanInterval, Self.exhaustedRescanInterval))) s")
                scheduleRescan()
            }
            return
        case .failure(let error):
            log(.warning, "cannot watch \(error)")
            return
        }
        for entry in FileName.entries(of: directory) where entry.isValid && !rules.ignoresDirectory(entry.text) {
            let child = directory + "/" + entry.text
            if FileStat(child)?.kind == .directory { addWatches(child, root: root) }
        }
    }

    private func forgetWatches(under directory: String) {
        for (path, wd) in watchedDirectories where path == directory || path.hasPrefix(directory + "/") {
            inotify?.removeWatch(wd)
            watchedDirectories.removeValue(forKey: path)
            directoryOfWatch.removeValue(forKey: wd)
        }
    }

    // MARK: Scans

    private func scanAll(reason: String?) {
        if let reason { log(.info, "rescanning every root: \(reason)") }
        for root in roots {
            addWatches(root, root: root)   // a no-op unless a watch went missing
            scan(root, root: root)
        }
        lock.withLock { scans += 1 }
    }

    private func scan(_ directory: String, root: String) {
        for entry in FileName.entries(of: directory) {
            let name = entry.text, path = directory + "/" + name
            guard entry.isValid else {
                reject(path, name: name)
                continue
            }
            guard let stat = FileStat(path) else { continue }
            if stat.kind == .directory {
                guard !rules.ignoresDirectory(name) else { continue }
                addWatches(path, root: root)
                scan(path, root: root)
            } else {
                consider(path, root: root, fromScan: true)
            }
        }
    }

    // MARK: Settling

    /// A candidate file: checked against the rules, then either reported (a scan found it
    /// already unchanged for the settle delay) or timed.
    private func consider(_ path: String, root: String, fromScan: Bool) {
        let name = String(path[path.index(after: path.lastIndex(of: "/")!)...])
        if let reason = rules.unsupportedTypeReason(name) {
            if toldUnsupported.insert(path).inserted { log(.info, "\(path): skipped: \(reason)") }
            return
        }
        if rules.ignoresFile(name) { return }
        guard let stat = eligibleStat(path, root: root) else { return }
        let age = Date().timeIntervalSince1970 - stat.mtimeSeconds
        if fromScan && pending[path] == nil && age >= settleDelay {
            report(path, root: root, stat: stat)
        } else {
            pending[path] = Pending(root: root, stat: stat, deadline: Self.now() + settleDelay)
        }
    }

    /// A file whose name is not UTF-8 and so cannot be opened by its text: reported once, unless
    /// the ignore rules would have skipped it anyway (hidden, temporary, not an image by name).
    private func reject(_ path: String, name: String) {
        guard !rules.ignoresFile(name), rejected.insert(path).inserted else { return }
        onRejected(path, "\(path): the file name is not valid UTF-8, which enhance cannot handle; rename the file (e.g. with convmv) and it is picked up")
    }

    /// The file's stat when it is a regular file, or a symlink to a regular file inside its root.
    private func eligibleStat(_ path: String, root: String) -> FileStat? {
        guard let own = FileStat(path) else { return nil }
        switch own.kind {
        case .regular:
            return own
        case .symlink:
            let canonicalRoot = canonicalRoots[root] ?? root
            guard let target = realPath(path), target.hasPrefix(canonicalRoot + "/"),
                  let stat = FileStat(target), stat.kind == .regular else {
                log(.debug, "\(path): ignored, a link leading outside \(root)")
                return nil
            }
            return stat
        default:
            return nil
        }
    }

    private func settleDueFiles() {
        let now = Self.now()
        for (path, entry) in pending where entry.deadline <= now {
            guard let stat = eligibleStat(path, root: entry.root) else {
                pending.removeValue(forKey: path)
                continue
            }
            if stat != entry.stat {
                pending[path] = Pending(root: entry.root, stat: stat, deadline: now + settleDelay)
                continue
            }
            pending.removeValue(forKey: path)
            report(path, root: entry.root, stat: stat)
        }
    }

    private func report(_ path: String, root: String, stat: FileStat) {
        // An empty file is not work yet: it is most likely about to be written.
        guard stat.size > 0 else { return }
        onFile(SettledFile(path: path, root: root, size: stat.size, mtime: stat.mtimeSeconds))
    }
}
