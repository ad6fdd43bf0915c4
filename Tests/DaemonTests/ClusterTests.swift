/// Several real `enhanced` processes, each with its own `[node] name`, working one PostgreSQL
/// queue and one shared folder — as hosts that mount the same archive would: every photo is
/// enhanced exactly once, a node killed mid-job loses nothing, and a database outage neither
/// loses nor doubles work.
import Foundation
import JobQueue
import Testing
import TestSupport

@Suite("Cluster", .serialized)
final class ClusterTests {
    let shared: URL
    /// Where photos are written before they are renamed into `shared` (the same file system).
    let staging: URL

    init() throws {
        shared = try TestEnvironment.temporaryDirectory("cluster-shared")
        staging = try TestEnvironment.temporaryDirectory("cluster-staging")
    }

    deinit {
        try? FileManager.default.removeItem(at: shared)
        try? FileManager.default.removeItem(at: staging)
    }

    /// A daemon of the cluster: the harness's configuration with the shared folder, the
    /// PostgreSQL queue at `url` and its node name.
    func node(_ name: String, url: String, settings: String = "") throws -> DaemonHarness {
        try DaemonHarness("node-\(name)", settings: """
            [watch]
            roots = ["\(shared.path)"]
            [state]
            backend = "postgresql"
            url = "\(url)"
            [node]
            name = "\(name)"
            \(settings)
            """)
    }

    /// Writes photo `index` beside the shared folder and renames it in: whole at once, as a copy
    /// tool that writes aside would (a loaded machine must not let a node settle on half a file).
    func drop(_ index: Int, size: Int = 16) throws {
        let aside = staging.appendingPathComponent("p\(index).png")
        try Data(try DaemonHarness.photo(index, size: size)).write(to: aside)
        guard rename(aside.path, shared.appendingPathComponent("p\(index).png").path) == 0 else {
            throw HarnessError("rename into \(shared.path): \(String(cString: strerror(errno)))")
        }
    }

    /// Job ids each daemon's log says it finished ("job N: done → …"), over all the logs.
    func doneLines(_ nodes: [DaemonHarness]) -> [Int64] {
        nodes.flatMap { node in
            node.log.split(separator: "\n").compactMap { line -> Int64? in
                guard let range = line.range(of: "job "), line.contains(": done → ") else { return nil }
                return Int64(line[range.upperBound...].prefix { $0.isNumber })
            }
        }
    }

    /// Every photo has one output and one sidecar, and there is nothing else.
    func expectOneOutputEach(_ photos: [Int]) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: shared.path)) ?? []
        #expect(files.filter { $0.hasSuffix(".x4.png") }.count == photos.count)
        #expect(files.filter { $0.hasSuffix(".xmp") }.count == photos.count)
        for i in photos {
            #expect(files.contains("p\(i).x4.png") && files.contains("p\(i).x4.png.xmp"),
                    "p\(i): \(files.filter { $0.hasPrefix("p\(i).") })")
        }
        #expect(files.count == photos.count * 3, "sources, outputs and sidecars only: \(files.count) files")
    }

    @Test("three nodes on one queue and one folder: 300 photos, each enhanced exactly once, status right on every node")
    func threeNodes() throws {
        let url = try PostgresCluster.shared().createDatabase("three")
        let nodes = try ["a", "b", "c"].map { try node($0, url: url) }
        for node in nodes { try node.start() }
        for i in 0..<300 { try drop(i) }
        let queue = try PostgreSQLQueue(url: url, node: "test")
        let finished = eventually(timeout: 150, interval: 0.5) { (try? queue.counts()[.done]) == 300 }
            && holds(for: DaemonHarness.grace) { (try? queue.counts()) == [.done: 300, .queued: 0, .running: 0, .failed: 0, .skipped: 0] }
        #expect(finished, "\((try? queue.counts()) ?? [:]); not done: \(((try? queue.jobs(state: .skipped, limit: 5)) ?? []).map { "\($0.sourcePath): \($0.lastError ?? "")" })")
        let done = doneLines(nodes)
        #expect(done.count == 300 && Set(done).count == 300, "\(done.count) done lines, \(Set(done).count) jobs")
        #expect(nodes.allSatisfy { node in doneLines([node]).count > 0 }, "every node did some of the work")
        expectOneOutputEach(Array(0..<300))
        for node in nodes {
            let status = try node.ctl(["status", "--json"])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("\"done\" : 300"), "\(status.stdout)")
            #expect(!status.stdout.contains("password"))
            for name in ["a", "b", "c"] { #expect(status.stdout.contains("\"name\" : \"\(name)\""), "status lists node \(name)") }
            let text = try node.ctl(["status"])
            #expect(text.stdout.contains("nodes    a (pid "), "\(text.stdout)")
        }
        let names = try queue.nodes().map(\.node)
        #expect(names == ["a", "b", "c"])
        for node in nodes { node.signal(SIGTERM) }
        for node in nodes { #expect(node.waitForExit(timeout: 30) == 0) }
    }

    @Test("PostgreSQL unreachable at start-up: one clear error naming the queue, exit status 1 (systemd restarts after RestartSec), nothing else")
    func unreachableAtStart() throws {
        let nowhere = try TestEnvironment.temporaryDirectory("no-server")
        defer { try? FileManager.default.removeItem(at: nowhere) }
        let a = try node("a", url: "postgresql:///enhance?host=\(nowhere.path)&port=5999&user=postgres")
        let result = try runCommand(try TestEnvironment.binary("enhanced"), ["--config", a.configPath])
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("state.url: cannot open the job queue postgresql://postgres@[\(nowhere.path)]:5999/enhance: "))
        #expect(result.stderr.contains("check that PostgreSQL runs and accepts connections from this host"))
    }

    @Test("a node killed with SIGKILL mid-job: after its lease runs out another node finishes the job, nothing doubled")
    func killedNode() throws {
        let url = try PostgresCluster.shared().createDatabase("killed")
        // A short lease so the test waits seconds, not minutes; photos big enough to be caught mid-job.
        let a = try node("a", url: url, settings: "[workers]\nlease = 4")
        try a.start()
        let queue = try PostgreSQLQueue(url: url, node: "test")
        for i in 0..<4 { try drop(i * 3, size: 64) }
        var victim: Job?
        #expect(eventually(timeout: 60, interval: 0.02) {
            victim = (try? queue.jobs(state: .running, limit: 5))?.first { $0.leaseOwner?.hasPrefix("a/") == true }
            return victim != nil
        })
        a.signal(SIGKILL)
        _ = a.waitForExit(timeout: 10)
        let job = try #require(victim)
        let b = try node("b", url: url, settings: "[workers]\nlease = 4")
        try b.start()
        #expect(eventually(timeout: 90, interval: 0.2) { (try? queue.counts()[.done]) == 4 }
                && holds(for: DaemonHarness.grace) { (try? queue.counts()[.done]) == 4 }, "\((try? queue.counts()) ?? [:])")
        let redone = try #require(try queue.job(id: job.id))
        #expect(redone.state == .done && redone.attempts == 2, "\(redone)")
        #expect(b.log.contains("job \(job.id): done → "), "node b finished the killed node's job")
        #expect(b.log.contains("job \(job.id): lease expired; queued"))
        expectOneOutputEach([0, 3, 6, 9])
        b.signal(SIGTERM)
        #expect(b.waitForExit(timeout: 30) == 0)
    }

    @Test("PostgreSQL stopped for 20 s mid-run and started again: no job lost or doubled, each node logs the outage and the recovery once")
    func databaseOutage() throws {
        let cluster = try PostgresCluster.makePrivate()
        defer { cluster.destroy() }
        let url = try cluster.createDatabase("outage")
        let nodes = try ["a", "b"].map { try node($0, url: url) }
        for node in nodes { try node.start() }
        for i in 0..<40 { try drop(i) }
        let queue = try PostgreSQLQueue(url: url, node: "test")
        #expect(eventually(timeout: 60, interval: 0.1) { (try? queue.counts()[.done]).map { $0 >= 5 } ?? false })
        cluster.stopServer()
        // Photos arriving while the database is away wait in the intake, not dropped.
        for i in 40..<50 { try drop(i) }
        #expect(eventually(timeout: 10) { nodes.allSatisfy { $0.log.contains("job queue unreachable") } },
                "each node says the queue is away")
        Thread.sleep(forTimeInterval: 20)
        try cluster.startServer()
        let finished = eventually(timeout: 90, interval: 0.5) { (try? queue.counts()[.done]) == 50 }
            && holds(for: DaemonHarness.grace) { (try? queue.counts()) == [.done: 50, .queued: 0, .running: 0, .failed: 0, .skipped: 0] }
        #expect(finished, "\((try? queue.counts()) ?? [:])")
        let done = doneLines(nodes)
        #expect(done.count == 50 && Set(done).count == 50, "\(done.count) done lines, \(Set(done).count) jobs")
        expectOneOutputEach(Array(0..<50))
        for node in nodes {
            let log = node.log
            #expect(log.components(separatedBy: "job queue unreachable").count - 1 == 1, "node log:\n\(log)")
            #expect(log.components(separatedBy: "reachable again after").count - 1 == 1, "node log:\n\(log)")
            node.signal(SIGTERM)
            #expect(node.waitForExit(timeout: 30) == 0)
        }
    }
}
