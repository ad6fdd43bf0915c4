/// Hosts mount the archive share at different places: a job names its file by the root's name
/// and the path below it, so a node resolves every job through its own path for that root.
/// Real `enhanced` processes on the throw-away PostgreSQL, the "mounts" bind mounts of one
/// shared folder at two paths. (Not symlinks: the configuration resolves those when it is
/// read, so both nodes would name the share's own path.) Bind mounts need root, as CI and these
/// machines run.
import Foundation
import JobQueue
import Testing
import TestSupport

@Suite("Shared roots", .serialized)
final class SharedRootTests {
    let base: URL
    /// The share itself, as the file server holds it.
    let share: URL
    /// Where node a and node b mount it: different paths, the same root name "family".
    let mountA: URL
    let mountB: URL
    let staging: URL

    init() throws {
        base = try TestEnvironment.temporaryDirectory("shared-roots")
        share = base.appendingPathComponent("share/family")
        mountA = base.appendingPathComponent("node-a/family")
        mountB = base.appendingPathComponent("node-b/archive")
        staging = base.appendingPathComponent("staging")
        for folder in [share, staging, mountA.deletingLastPathComponent(), mountB.deletingLastPathComponent()] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        for mount in [mountA, mountB] {
            try FileManager.default.createDirectory(at: mount, withIntermediateDirectories: true)
            let bound = try runCommand("/bin/mount", ["--bind", share.path, mount.path])
            guard bound.status == 0 else { throw HarnessError("mount --bind \(share.path) \(mount.path): \(bound.stderr)") }
        }
    }

    deinit {
        // Unmounted first: removing the folder through a mount would fail on the mount point.
        for mount in [mountA, mountB] { _ = try? runCommand("/bin/umount", ["-l", mount.path]) }
        try? FileManager.default.removeItem(at: base)
    }

    /// A daemon on the queue at `url` whose only root is `[[watch.root]] name = "family"` at `mount`.
    func node(_ name: String, url: String, mount: URL) throws -> DaemonHarness {
        let harness = try DaemonHarness("roots-\(name)", settings: """
            [watch]
            roots = []
            [state]
            backend = "postgresql"
            url = "\(url)"
            [node]
            name = "\(name)"
            """)
        let text = try String(contentsOfFile: harness.configPath, encoding: .utf8)
            + "[[watch.root]]\nname = \"family\"\npath = \"\(mount.path)\"\n"
        try text.write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        return harness
    }

    /// Photo `index`, written aside and renamed into the share whole.
    func drop(_ index: Int) throws {
        let aside = staging.appendingPathComponent("p\(index).png")
        try Data(try DaemonHarness.photo(index)).write(to: aside)
        guard rename(aside.path, share.appendingPathComponent("p\(index).png").path) == 0 else {
            throw HarnessError("rename into \(share.path): \(String(cString: strerror(errno)))")
        }
    }

    @Test("a root mounted at another path on a second node: that node runs the first node's jobs by root name, each once, outputs in the share",
          .enabled(if: getuid() == 0, "bind mounts need root"))
    func secondMountPoint() throws {
        let url = try PostgresCluster.shared().createDatabase("roots")
        let queue = try PostgreSQLQueue(url: url, node: "test")
        // Node a only queues (the cluster is paused), then leaves and its mount goes away:
        // every job must be run by node b, through node b's own path for "family".
        try queue.setPaused(true)
        let a = try node("a", url: url, mount: mountA)
        try a.start()
        let photos = 0..<6
        for i in photos { try drop(i) }
        #expect(eventually(timeout: 60, interval: 0.1) { (try? queue.counts()[.queued]) == photos.count }, "\(a.log)")
        a.signal(SIGTERM)
        #expect(a.waitForExit(timeout: 30) == 0)
        #expect(try runCommand("/bin/umount", [mountA.path]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: mountA.path + "/p0.png"), "node a's paths are gone")

        // Node b's start-up scan sees the same files through its mount: the same jobs, not new
        // ones, and no "same content" skipped jobs either.
        let b = try node("b", url: url, mount: mountB)
        try b.start()
        try queue.setPaused(false)
        let expected: [JobState: Int] = [.done: photos.count, .queued: 0, .running: 0, .failed: 0, .skipped: 0]
        #expect(eventually(timeout: 90, interval: 0.2) { (try? queue.counts()[.done]) == photos.count }
                && holds(for: DaemonHarness.grace) { (try? queue.counts()) == expected },
                "\((try? queue.counts()) ?? [:]); \(((try? queue.jobs(state: .skipped, limit: 5)) ?? []).map { "\($0.sourcePath): \($0.lastError ?? "")" })")
        for job in try queue.jobs(state: nil, limit: 100) {
            let name = (job.sourcePath as NSString).lastPathComponent
            #expect(job.rootName == "family" && job.relativePath == name, "\(job)")
            #expect(job.sourcePath == mountA.path + "/" + name, "queued by node a under its path: \(job.sourcePath)")
            let output = mountB.path + "/" + (name as NSString).deletingPathExtension + ".x4.png"
            #expect(job.outputPath == output, "written by node b under its path: \(job.outputPath ?? "-")")
            #expect(b.log.contains("job \(job.id): done → \(output)"), "node b did job \(job.id)")
        }
        #expect(!b.log.contains("queued "), "node b queued nothing of its own:\n\(b.log)")
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: share.path))
        #expect(files == Set(photos.flatMap { ["p\($0).png", "p\($0).x4.png", "p\($0).x4.png.xmp"] }), "\(files.sorted())")

        let first = try #require(try queue.jobs(state: nil, limit: 100).min { $0.id < $1.id })
        // Wide lines, so that long temporary paths are not wrapped.
        let shown = try runCommand("/usr/bin/env", ["COLUMNS=1000", try TestEnvironment.binary("enhance-ctl"),
                                                    "show", "\(first.id)", "--config", b.configPath])
        #expect(shown.status == 0, "\(shown.stderr)")
        let name = (first.sourcePath as NSString).lastPathComponent
        #expect(shown.stdout.contains("source       \(mountB.path)/\(name)"), "the source as this node reaches it:\n\(shown.stdout)")
        #expect(shown.stdout.contains("root         family: \(name)"), "\(shown.stdout)")
        #expect(shown.stdout.contains("queued as    \(mountA.path)/\(name)"), "\(shown.stdout)")
        let listed = try b.ctl(["jobs", "--json"])
        #expect(listed.stdout.contains("\"rootName\" : \"family\"") && listed.stdout.contains("\"relativePath\" : \"\(name)\""),
                "\(listed.stdout)")
        b.signal(SIGTERM)
        #expect(b.waitForExit(timeout: 30) == 0)
    }
}
