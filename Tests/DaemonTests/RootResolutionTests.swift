/// How a worker finds a claimed job's file on its own host: by the job's root name and relative
/// path, through this host's path for that root; a root it lacks is one clear refusal.
import Common
import Foundation
import JobQueue
import Testing
import TestSupport
@testable import Daemon

@Suite("Root resolution")
struct RootResolutionTests {
    /// A job as node a (share mounted at /mnt/archive/family) queued it, with the output an
    /// attempt of node a reserved before it died.
    func queuedByNodeA(root: String? = "family") throws -> (Job, URL) {
        let directory = try TestEnvironment.temporaryDirectory("root-resolution")
        let queue = try JobQueue(path: directory.appendingPathComponent("q.sqlite").path)
        let job = try queue.enqueue(JobSubmission(sourcePath: "/mnt/archive/family/2019/cat.png", rootName: root,
                                                  relativePath: root == nil ? nil : "2019/cat.png", sha256: "aa",
                                                  size: 1, mtime: 1, modelID: "m", paramsKey: "p"), now: 1).job
        _ = try queue.claim(owner: "a/1/w0", lease: 60, now: 2)
        try queue.reserveOutput(id: job.id, owner: "a/1/w0", outputPath: "/mnt/archive/family/2019/cat.x4.png", now: 3)
        return (try #require(try queue.job(id: job.id)), directory)
    }

    @Test("a job's source and reserved output move to this node's path of its root")
    func localPaths() throws {
        let (job, directory) = try queuedByNodeA()
        defer { try? FileManager.default.removeItem(at: directory) }
        let local = try Worker.localized(job, roots: RootMap([WatchRoot(name: "family", path: "/srv/family")]), node: "b")
        #expect(local.sourcePath == "/srv/family/2019/cat.png")
        #expect(local.outputPath == "/srv/family/2019/cat.x4.png")
        #expect(local.id == job.id && local.sha256 == job.sha256)
    }

    @Test("a job queued before roots had names keeps its path")
    func olderJob() throws {
        let (job, directory) = try queuedByNodeA(root: nil)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(try Worker.localized(job, roots: RootMap([WatchRoot(name: "family", path: "/srv/family")]), node: "b") == job)
    }

    @Test("a root this node does not have is refused, naming it and the node's roots")
    func missingRoot() throws {
        let (job, directory) = try queuedByNodeA()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect {
            try Worker.localized(job, roots: RootMap([WatchRoot(name: "scans", path: "/srv/scans")]), node: "b")
        } throws: { error in
            "\(error)" == "/mnt/archive/family/2019/cat.png: its root \"family\" is not one of this node's (b) watched roots (\"scans\"); add it to [watch], then `enhance-ctl retry \(job.id)`"
                && FailureKind(error) == .permanent
        }
    }
}
