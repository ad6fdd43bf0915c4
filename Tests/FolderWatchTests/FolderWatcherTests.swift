/// FolderWatch against the real kernel: inotify events, settling, new folders, ignore rules,
/// symlinks and the start-up scan. Waits poll with a deadline; nothing sleeps to assert.
import Foundation
import Testing
import FolderWatch
import TestSupport

/// Collects what a watcher reports, from its thread.
final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var files: [SettledFile] = []
    func add(_ file: SettledFile) { lock.withLock { files.append(file) } }
    var all: [SettledFile] { lock.withLock { files } }
    var names: [String] { all.map { ($0.path as NSString).lastPathComponent }.sorted() }
}

@Suite("FolderWatcher", .serialized)
final class FolderWatcherTests {
    /// How long a test watches for a second, unwanted report of a file after the first: several
    /// settle delays, so a duplicate from a late event or a scan has time to show.
    static let grace = 1.0

    let root: URL
    let reports = Reports()
    var watcher: FolderWatcher?

    init() throws {
        root = try TestEnvironment.temporaryDirectory("folderwatch")
    }

    deinit {
        watcher?.stop()
        try? FileManager.default.removeItem(at: root)
    }

    func start(settle: Double = 0.2) throws {
        let rules = IgnoreRules(isOwnOutput: { $0.contains(".x4.") })
        let reports = self.reports
        let watcher = FolderWatcher(roots: [root.path], rules: rules, settleDelay: settle, rescanInterval: 0,
                                    onFile: { reports.add($0) })
        try watcher.start()
        self.watcher = watcher
        #expect(eventually { watcher.completedScans >= 1 })
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func write(_ relative: String, bytes: Int = 100) throws {
        try Data(repeating: 7, count: bytes).write(to: URL(fileURLWithPath: path(relative)))
    }

    @Test("hidden, temporary, clutter, non-image names and our own outputs are ignored")
    func ignoreRules() {
        let rules = IgnoreRules(isOwnOutput: { $0.contains(".x4.") })
        for name in [".hidden.png", "a.png.part", "b.jpg.tmp", "c.jpg.crdownload", "Thumbs.db", ".DS_Store",
                     "notes.txt", "raw.cr2", "photo.x4.png", "photo.x4.png.xmp", "photo.jpg.xmp", "noext"] {
            #expect(rules.ignoresFile(name), "\(name)")
        }
        for name in ["photo.png", "IMG_1.JPG", "scan.jpeg", "a.b.png", "scan.tif", "SCAN.TIFF", "w.webp",
                     "phone.HEIC", "p.heif", "q.avif"] {
            #expect(!rules.ignoresFile(name), "\(name)")
        }
        #expect(rules.unsupportedTypeReason("notes.txt")?.contains(".tiff") == true)
        for name in [".hidden.gif", "a.png.part", "photo.x4.png", "photo.png"] {
            #expect(rules.unsupportedTypeReason(name) == nil, "only the type is that kind of reason: \(name)")
        }
        #expect(rules.ignoresDirectory(".git") && !rules.ignoresDirectory("2024"))
    }

    @Test("TIFF, WebP and HEIC files are reported; a file skipped for its type is said once, at info, with the reason")
    func typesAndSkippedTypesLoggedOnce() throws {
        final class Lines: @unchecked Sendable {
            private let lock = NSLock()
            private var lines: [(FolderWatcher.LogLevel, String)] = []
            func add(_ level: FolderWatcher.LogLevel, _ line: String) { lock.withLock { lines.append((level, line)) } }
            func matching(_ text: String) -> [(FolderWatcher.LogLevel, String)] { lock.withLock { lines.filter { $0.1.contains(text) } } }
        }
        let lines = Lines(), reports = self.reports
        let watcher = FolderWatcher(roots: [root.path], rules: IgnoreRules(isOwnOutput: { $0.contains(".x4.") }),
                                    settleDelay: 0.2, rescanInterval: 0, log: { lines.add($0, $1) },
                                    onFile: { reports.add($0) })
        try watcher.start()
        self.watcher = watcher
        #expect(eventually { watcher.completedScans >= 1 })
        for name in ["scan.tif", "b.tiff", "w.webp", "phone.heic", "notes.txt", "anim.gif"] { try write(name) }
        try write("notes.txt", bytes: 200)   // a second event for the same file
        #expect(eventuallySteady(grace: Self.grace) { reports.names == ["b.tiff", "phone.heic", "scan.tif", "w.webp"] },
                "\(reports.names)")
        for name in ["notes.txt", "anim.gif"] {
            let said = lines.matching("/\(name): skipped: not a supported image type")
            #expect(said.count == 1, "\(name): \(said.map(\.1))")
            #expect(said.allSatisfy { $0.0 == .info })
        }
    }

    @Test("a file written in place or renamed in is reported once, after it settles")
    func closeWriteAndRename() throws {
        try start()
        try write("a.png")
        try write(".incoming.tmp")
        try FileManager.default.moveItem(atPath: path(".incoming.tmp"), toPath: path("b.jpg"))
        try write("ignored.txt")
        try write("ignored.x4.png")
        #expect(eventuallySteady(grace: Self.grace) { reports.names == ["a.png", "b.jpg"] }, "\(reports.names)")
        let a = try #require(reports.all.first { $0.path.hasSuffix("/a.png") })
        #expect(a.root == root.path && a.size == 100)
    }

    @Test("files in a folder created (or moved in) after start are found, however fast they arrive")
    func newSubdirectories() throws {
        try start()
        // Created and filled at once: some files land before the new folder's watch exists.
        try FileManager.default.createDirectory(atPath: path("new/deeper"), withIntermediateDirectories: true)
        for i in 0..<5 { try write("new/deeper/\(i).png") }
        let staging = try TestEnvironment.temporaryDirectory("staging")
        defer { try? FileManager.default.removeItem(at: staging) }
        try Data(repeating: 1, count: 10).write(to: staging.appendingPathComponent("moved.png"))
        try FileManager.default.moveItem(atPath: staging.path, toPath: path("movedin"))
        #expect(eventuallySteady(grace: Self.grace) { reports.names == ["0.png", "1.png", "2.png", "3.png", "4.png", "moved.png"] },
                "\(reports.names)")
    }

    @Test("a file still being written is not reported until it has stopped changing")
    func slowWriter() throws {
        try start(settle: 0.5)
        let handle = try #require(FileHandle(forWritingAtPath: {
            _ = FileManager.default.createFile(atPath: path("slow.png"), contents: nil)
            return path("slow.png")
        }()))
        for _ in 0..<8 {
            handle.write(Data(repeating: 3, count: 1000))
            usleep(200_000)
            #expect(reports.all.isEmpty, "reported while still being written")
        }
        try handle.close()
        #expect(eventuallySteady(grace: Self.grace) { reports.names == ["slow.png"] }, "\(reports.names)")
        #expect(reports.all.first?.size == 8000)
    }

    @Test("the start-up scan reports what is already there, in sub-folders too")
    func startUpScan() throws {
        try FileManager.default.createDirectory(atPath: path("2019/summer"), withIntermediateDirectories: true)
        try write("2019/summer/old.jpg")
        try write("top.png")
        try write("top.x4.png")
        try FileManager.default.createDirectory(atPath: path(".trash"), withIntermediateDirectories: true)
        try write(".trash/deleted.png")
        try start()
        #expect(eventuallySteady(grace: Self.grace) { reports.names == ["old.jpg", "top.png"] }, "\(reports.names)")
    }

    @Test("a symlink to a file inside the root counts; one leading outside is ignored")
    func symlinks() throws {
        let outside = try TestEnvironment.temporaryDirectory("outside")
        defer { try? FileManager.default.removeItem(at: outside) }
        try Data(repeating: 1, count: 10).write(to: outside.appendingPathComponent("secret.png"))
        try write("real.png")
        try start()
        #expect(eventually { reports.names == ["real.png"] })
        try FileManager.default.createSymbolicLink(atPath: path("inside-link.png"), withDestinationPath: path("real.png"))
        try FileManager.default.createSymbolicLink(atPath: path("outside-link.png"),
                                                   withDestinationPath: outside.appendingPathComponent("secret.png").path)
        #expect(eventuallySteady(grace: Self.grace) { reports.names == ["inside-link.png", "real.png"] }, "\(reports.names)")
        watcher?.requestRescan(reason: "test")
        #expect(eventually { (watcher?.completedScans ?? 0) >= 2 })
        #expect(!reports.names.contains("outside-link.png"))
    }

    @Test("a rescan (periodic, or after lost events) reports settled files again; the queue de-duplicates")
    func rescan() throws {
        try start()
        try write("late.png")
        #expect(eventuallySteady(grace: Self.grace) { reports.names == ["late.png"] }, "\(reports.names)")
        let before = reports.all.count
        watcher?.requestRescan(reason: "test")
        #expect(eventually { (watcher?.completedScans ?? 0) >= 2 })
        #expect(eventuallySteady(grace: Self.grace) { reports.all.count == before + 1 }, "\(reports.names)")
    }
}
