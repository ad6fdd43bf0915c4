/// Intake: the one way a path becomes a job, for the daemon's watcher and `enhance-ctl enqueue`
/// alike — the rules' verdict on its name, its stat, the queue's "already known and unchanged"
/// and "our own output" checks, the hash, and the queue's de-duplication, in that order (cheap
/// first, so a rescan of a large archive hashes only what is new or changed).
#if canImport(Glibc)
import Glibc
#endif
import Common
import FolderWatch
import JobQueue
import Hashing

public struct SourceIntake: Sendable {
    public let queue: any JobStore
    public let modelID: String
    public let paramsKey: String
    public let rules: IgnoreRules
    /// The watched roots by name: a job is filed under the root its file lies in, so that a
    /// host mounting the share elsewhere finds the same file (and a second host seeing it
    /// through its own mount point makes no second job).
    public let roots: RootMap

    /// `roots` empty: every file is outside every root and filed by its path (a benchmark's own folder).
    public init(queue: any JobStore, modelID: String, paramsKey: String, rules: IgnoreRules, roots: RootMap = RootMap([])) {
        self.queue = queue
        self.modelID = modelID
        self.paramsKey = paramsKey
        self.rules = rules
        self.roots = roots
    }

    /// What became of a path.
    public enum Outcome: Sendable, Equatable {
        /// A new job (or a finished one queued again: the path's content went back to it).
        case queued(Job)
        /// The same content is another path's job already; recorded as skipped.
        case duplicate(Job, original: Job)
        /// This file (by root and relative path, or by path) with this content is a job already.
        case known(Job)
        /// The same path, size and mtime as a job already: not even hashed.
        case unchanged(Job)
        /// Not work: the reason, for a person.
        case ignored(String)
        /// Cannot become a job; recorded as failed (nil when it was already recorded).
        case rejected(Job?, reason: String)
    }

    /// Turns `path` (absolute; a symlink counts as the file it points to, which the watcher
    /// has already checked stays inside its root) into a job.
    public func submit(_ path: String) throws -> Outcome {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if let reason = rules.reasonToIgnore(name) { return .ignored("\(path): \(reason)") }
        guard let stat = FileStat(path, followingLinks: true) else { return .ignored("\(path): no such file") }
        guard stat.kind == .regular else { return .ignored("\(path): not a regular file") }
        let place = roots.place(of: path)
        if let job = try queue.knownJob(sourcePath: path, rootName: place?.rootName, relativePath: place?.relativePath,
                                        size: stat.size, mtime: stat.mtimeSeconds, modelID: modelID, paramsKey: paramsKey) {
            return .unchanged(job)
        }
        if try queue.isOutput(path: path) { return .ignored("\(path): an output of an earlier job") }
        // A file the daemon may not read is a fact to show in `status`, not a transient error:
        // retrying will not change its permissions.
        if access(path, R_OK) != 0, errno == EACCES || errno == EPERM {
            let reason = "\(path): cannot be read: \(String(cString: strerror(errno))) (check its permissions)"
            return .rejected(try reject(path, reason: reason), reason: reason)
        }
        let sha = try SHA256.hexDigest(ofFile: path)
        switch try queue.enqueue(JobSubmission(sourcePath: path, rootName: place?.rootName,
                                               relativePath: place?.relativePath, sha256: sha, size: stat.size,
                                               mtime: stat.mtimeSeconds, modelID: modelID, paramsKey: paramsKey)) {
        case .queued(let job): return .queued(job)
        case .duplicate(let job, let original): return .duplicate(job, original: original)
        case .known(let job): return .known(job)
        }
    }

    /// Records a path that cannot become a job as failed, once.
    public func reject(_ path: String, reason: String) throws -> Job? {
        try queue.recordRejected(sourcePath: path, reason: reason, modelID: modelID, paramsKey: paramsKey)
    }
}
