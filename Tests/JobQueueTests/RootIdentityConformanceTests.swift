/// "This very file" on a shared queue is its root's name and its path below the root, not an
/// absolute path: hosts mount the share at different places. One body per behaviour, run
/// against both backends, each "node" a handle of its own on the same queue.
import Foundation
import JobQueue
import Testing
import TestSupport

@Suite("JobStore conformance: root identity")
struct RootIdentityConformanceTests {
    let node = QueueBackend.node

    /// `relative` under root `root`, as a node that mounts it at `mount` submits it.
    func submission(_ mount: String, _ root: String?, _ relative: String, sha: String = "aa") -> JobSubmission {
        JobSubmission(sourcePath: mount + "/" + relative, rootName: root, relativePath: root == nil ? nil : relative,
                      sha256: sha, size: 100, mtime: 5, modelID: "gan@1", paramsKey: "tile=192")
    }

    @Test("the same root and relative path from two nodes with different mount points is one job: known on the second",
          arguments: QueueBackend.allCases)
    func oneJobAcrossMounts(_ backend: QueueBackend) throws {
        let (a, reopen, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let b = try reopen("node-b")
        guard case .queued(let job) = try a.enqueue(submission("/mnt/archive/family", "family", "2019/cat.png"), now: 1) else {
            Issue.record("expected queued"); return
        }
        #expect(job.rootName == "family" && job.relativePath == "2019/cat.png")
        #expect(job.sourcePath == "/mnt/archive/family/2019/cat.png", "the queuing node's path is kept, for people")
        #expect(try b.enqueue(submission("/srv/family", "family", "2019/cat.png"), now: 2) == .known(job))
        #expect(try b.counts() == [.queued: 1, .running: 0, .done: 0, .failed: 0, .skipped: 0], "no spurious skipped job")
        // A rescan on the second node finds the job without hashing, by root and relative path.
        #expect(try b.knownJob(sourcePath: "/srv/family/2019/cat.png", rootName: "family", relativePath: "2019/cat.png",
                               size: 100, mtime: 5, modelID: "gan@1", paramsKey: "tile=192")?.id == job.id)
        #expect(try b.knownJob(sourcePath: "/srv/family/2019/cat.png", rootName: "family", relativePath: "2019/cat.png",
                               size: 101, mtime: 5, modelID: "gan@1", paramsKey: "tile=192") == nil)
        #expect(try b.knownJob(sourcePath: "/srv/family/2019/cat.png", size: 100, mtime: 5, modelID: "gan@1",
                               paramsKey: "tile=192") == nil, "by absolute path alone it is another node's path")
        // The file went from cup to fur and back on the share, each change seen by another node.
        _ = try a.claim(owner: "\(node)/1/w0", lease: 60, now: 3)
        try a.complete(id: job.id, owner: "\(node)/1/w0", outputPath: "/mnt/archive/family/2019/cat.x4.png", elapsed: 1,
                       outputPixels: 16, jpegQuality: nil, noiseSigma: nil, modelName: nil, modelSHA256: nil, warning: nil, now: 4)
        let fur = try b.enqueue(submission("/srv/family", "family", "2019/cat.png", sha: "fur"), now: 5)
        if case .queued = fur {} else { Issue.record("new content of the file is new work: \(fur)") }
        let again = try a.enqueue(submission("/mnt/archive/family", "family", "2019/cat.png"), now: 6)
        #expect(again.job.id == job.id && again.job.state == .queued, "the file's first job runs again: \(again)")
    }

    @Test("the same content elsewhere is still a duplicate, and another root's file of the same relative path is another file",
          arguments: QueueBackend.allCases)
    func otherFiles(_ backend: QueueBackend) throws {
        let (a, reopen, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let b = try reopen("node-b")
        let original = try a.enqueue(submission("/mnt/family", "family", "cat.png"), now: 1).job
        guard case .duplicate(let copy, let first) = try b.enqueue(submission("/srv/family", "family", "copy.png"), now: 2) else {
            Issue.record("expected a duplicate"); return
        }
        #expect(first.id == original.id && copy.state == .skipped && copy.relativePath == "copy.png")
        guard case .duplicate(let other, _) = try b.enqueue(submission("/srv/scans", "scans", "cat.png"), now: 3) else {
            Issue.record("expected a duplicate: same content, another root"); return
        }
        #expect(other.rootName == "scans")
        let fresh = try b.enqueue(submission("/srv/scans", "scans", "cat.png", sha: "bb"), now: 4)
        if case .queued = fresh {} else { Issue.record("other content in another root: \(fresh)") }
    }

    @Test("a job queued before roots had names is still this very file, found by its path", arguments: QueueBackend.allCases)
    func olderJobsByPath(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try queue.enqueue(submission("/in", nil, "a.png"), now: 1).job
        #expect(old.rootName == nil && old.relativePath == nil)
        #expect(try queue.knownJob(sourcePath: "/in/a.png", rootName: "in", relativePath: "a.png", size: 100, mtime: 5,
                                   modelID: "gan@1", paramsKey: "tile=192")?.id == old.id)
        #expect(try queue.enqueue(submission("/in", "in", "a.png"), now: 2) == .known(old))
        #expect(try queue.counts()[.queued] == 1 && queue.counts()[.skipped] == 0)
    }

    @Test("a root renamed on this host names the same files: an enqueue finds their jobs by path, never trips the unique index",
          arguments: QueueBackend.allCases)
    func renamedRoot(_ backend: QueueBackend) throws {
        let (queue, _, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try queue.enqueue(submission("/srv/inbox", "inbox", "a.png"), now: 1).job
        #expect(try queue.enqueue(submission("/srv/inbox", "photos", "a.png"), now: 2) == .known(first))
        #expect(try queue.counts()[.queued] == 1 && queue.counts()[.skipped] == 0)
    }

    @Test("a node claims only jobs of the roots it has, and jobs without a root; without a filter, any job",
          arguments: QueueBackend.allCases)
    func claimByRoots(_ backend: QueueBackend) throws {
        let (queue, reopen, directory) = try backend.makeQueue()
        defer { try? FileManager.default.removeItem(at: directory) }
        let family = try queue.enqueue(submission("/mnt/family", "family", "a.png", sha: "a"), now: 1).job
        let scans = try queue.enqueue(submission("/mnt/scans", "scans", "b.png", sha: "b"), now: 2).job
        let rootless = try queue.enqueue(submission("/elsewhere", nil, "c.png", sha: "c"), now: 3).job
        let b = try reopen("node-b")
        #expect(try b.claim(owner: "node-b/1/w0", lease: 60, roots: ["scans", "work"], now: 10)?.id == scans.id)
        #expect(try b.claim(owner: "node-b/1/w0", lease: 60, roots: ["scans", "work"], now: 10)?.id == rootless.id)
        #expect(try b.claim(owner: "node-b/1/w0", lease: 60, roots: ["scans", "work"], now: 10) == nil,
                "family's job waits for a node that has family")
        #expect(try b.claim(owner: "node-b/1/w0", lease: 60, roots: [], now: 10) == nil)
        #expect(try queue.claim(owner: "\(node)/1/w0", lease: 60, roots: nil, now: 10)?.id == family.id)
    }
}
