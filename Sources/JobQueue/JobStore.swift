import Foundation

/// Everything the daemon, the intake and `enhance-ctl` ask of a job queue, whatever keeps it:
/// `JobQueue` (one SQLite file, one host) or `PostgreSQLQueue` (one database, several hosts).
/// Both give the same answers to the same calls; the conformance tests run one body against
/// each. Times are seconds since 1970, passed in so that tests control the clock; on a shared
/// queue every node's clock takes part, so hosts must keep theirs in step (NTP) — a lease is
/// minutes long, clock skew milliseconds.
///
/// Every method is one short transaction and safe to call from any thread.
public protocol JobStore: AnyObject, Sendable {
    /// Where the queue is, for messages and `status`: a file path, or a URL without its password.
    var location: String { get }
    /// Whether other hosts' daemons work the same queue: then a starting daemon takes back only
    /// its own node's old leases, never everyone's.
    var isShared: Bool { get }

    func schemaVersion() throws -> Int
    /// Makes the stored queue self-contained (SQLite: empties the WAL into the file).
    func checkpoint() throws

    // Adding work
    /// The job of this file (its root and relative path when given, else its path: see
    /// `Job.rootName`) at this size and mtime, under this model and parameters.
    func knownJob(sourcePath: String, rootName: String?, relativePath: String?, size: Int64, mtime: Double,
                  modelID: String, paramsKey: String) throws -> Job?
    func isOutput(path: String) throws -> Bool
    @discardableResult
    func enqueue(_ submission: JobSubmission, now: Double) throws -> EnqueueOutcome
    @discardableResult
    func recordRejected(sourcePath: String, reason: String, modelID: String, paramsKey: String,
                        now: Double) throws -> Job?

    // Working
    /// `roots`: take only jobs of these root names, or without a root (nil: any job).
    func claim(owner: String, lease: Double, roots: [String]?, now: Double) throws -> Job?
    @discardableResult
    func renew(id: Int64, owner: String, lease: Double, progress: Double, now: Double) throws -> Bool
    @discardableResult
    func complete(id: Int64, owner: String, outputPath: String, elapsed: Double, outputPixels: Int64,
                  jpegQuality: Int?, noiseSigma: Double?, modelName: String?, modelSHA256: String?,
                  warning: String?, now: Double) throws -> Bool
    func reserveOutput(id: Int64, owner: String, outputPath: String, now: Double) throws
    @discardableResult
    func fail(id: Int64, owner: String, reason: String, permanent: Bool, policy: RetryPolicy,
              now: Double) throws -> JobState?
    @discardableResult
    func skip(id: Int64, owner: String, reason: String, now: Double) throws -> Bool
    @discardableResult
    func release(id: Int64, owner: String, now: Double) throws -> Bool
    /// `all`: every running job is abandoned (the daemon starting). On a shared queue "every"
    /// means every job leased by this queue's own node (`ownLeasePrefix`): other nodes' workers
    /// still run theirs.
    @discardableResult
    func recoverAbandoned(all: Bool, policy: RetryPolicy, sparing ownPrefix: String?, now: Double) throws -> [Job]
    func nextReadyTime() throws -> Double?

    // Operator actions
    @discardableResult
    func retry(id: Int64, now: Double) throws -> Bool
    @discardableResult
    func retryAllFailed(now: Double) throws -> Int
    func setPaused(_ paused: Bool) throws
    func isPaused() throws -> Bool

    // Reading
    func job(id: Int64) throws -> Job?
    func jobs(state: JobState?, limit: Int) throws -> [Job]
    func counts() throws -> [JobState: Int]
    func status(now: Double, recentFailures: Int) throws -> QueueStatus

    // The daemons working the queue (SQLite: the one; PostgreSQL: a row per node)
    func registerDaemon(_ record: DaemonRecord) throws
    func heartbeat(pid: Int32, now: Double) throws
    func daemonStopped(pid: Int32, now: Double) throws
    /// This queue's own node's record (SQLite: the daemon's).
    func daemonRecord() throws -> DaemonRecord?
    /// Every node that ever worked the queue, by name (SQLite: the one daemon's record).
    func nodes() throws -> [DaemonRecord]

    /// Asks to be called when another process adds or frees work, so idle workers wake at once
    /// instead of at their next poll. False when the queue cannot tell (SQLite): keep polling.
    func onNewWork(_ handler: @escaping @Sendable () -> Void) -> Bool
    /// Asks to hear once when the queue becomes unreachable (`up` false, with the cause) and
    /// once when it is reachable again: the daemon logs an outage once, not on every call.
    func onAvailabilityChange(_ handler: @escaping @Sendable (_ up: Bool, _ cause: String) -> Void)
    /// Whether `error` (thrown by this queue) only says the queue is unreachable for now: the
    /// same call may succeed later, and a worker holding an outcome keeps it and tries again.
    func isUnavailable(_ error: any Error) -> Bool
}

/// The calls with "now" for a clock, as the daemon and `enhance-ctl` make them.
extension JobStore {
    @discardableResult
    public func enqueue(_ submission: JobSubmission) throws -> EnqueueOutcome {
        try enqueue(submission, now: JobQueue.now())
    }
    @discardableResult
    public func recordRejected(sourcePath: String, reason: String, modelID: String, paramsKey: String) throws -> Job? {
        try recordRejected(sourcePath: sourcePath, reason: reason, modelID: modelID, paramsKey: paramsKey,
                           now: JobQueue.now())
    }
    public func knownJob(sourcePath: String, size: Int64, mtime: Double, modelID: String, paramsKey: String) throws -> Job? {
        try knownJob(sourcePath: sourcePath, rootName: nil, relativePath: nil, size: size, mtime: mtime,
                     modelID: modelID, paramsKey: paramsKey)
    }
    public func claim(owner: String, lease: Double, roots: [String]? = nil) throws -> Job? {
        try claim(owner: owner, lease: lease, roots: roots, now: JobQueue.now())
    }
    public func claim(owner: String, lease: Double, now: Double) throws -> Job? {
        try claim(owner: owner, lease: lease, roots: nil, now: now)
    }
    @discardableResult
    public func renew(id: Int64, owner: String, lease: Double, progress: Double) throws -> Bool {
        try renew(id: id, owner: owner, lease: lease, progress: progress, now: JobQueue.now())
    }
    @discardableResult
    public func complete(id: Int64, owner: String, outputPath: String, elapsed: Double, outputPixels: Int64,
                         jpegQuality: Int? = nil, noiseSigma: Double? = nil, modelName: String? = nil,
                         modelSHA256: String? = nil, warning: String? = nil) throws -> Bool {
        try complete(id: id, owner: owner, outputPath: outputPath, elapsed: elapsed, outputPixels: outputPixels,
                     jpegQuality: jpegQuality, noiseSigma: noiseSigma, modelName: modelName, modelSHA256: modelSHA256,
                     warning: warning, now: JobQueue.now())
    }
    public func reserveOutput(id: Int64, owner: String, outputPath: String) throws {
        try reserveOutput(id: id, owner: owner, outputPath: outputPath, now: JobQueue.now())
    }
    @discardableResult
    public func fail(id: Int64, owner: String, reason: String, permanent: Bool, policy: RetryPolicy) throws -> JobState? {
        try fail(id: id, owner: owner, reason: reason, permanent: permanent, policy: policy, now: JobQueue.now())
    }
    @discardableResult
    public func skip(id: Int64, owner: String, reason: String) throws -> Bool {
        try skip(id: id, owner: owner, reason: reason, now: JobQueue.now())
    }
    @discardableResult
    public func release(id: Int64, owner: String) throws -> Bool {
        try release(id: id, owner: owner, now: JobQueue.now())
    }
    @discardableResult
    public func recoverAbandoned(all: Bool, policy: RetryPolicy, sparing ownPrefix: String? = nil) throws -> [Job] {
        try recoverAbandoned(all: all, policy: policy, sparing: ownPrefix, now: JobQueue.now())
    }
    @discardableResult
    public func retry(id: Int64) throws -> Bool { try retry(id: id, now: JobQueue.now()) }
    @discardableResult
    public func retryAllFailed() throws -> Int { try retryAllFailed(now: JobQueue.now()) }
    public func jobs(state: JobState? = nil) throws -> [Job] { try jobs(state: state, limit: 100) }
    public func status() throws -> QueueStatus { try status(now: JobQueue.now(), recentFailures: 5) }
    public func status(now: Double) throws -> QueueStatus { try status(now: now, recentFailures: 5) }
    public func heartbeat(pid: Int32) throws { try heartbeat(pid: pid, now: JobQueue.now()) }
    public func daemonStopped(pid: Int32) throws { try daemonStopped(pid: pid, now: JobQueue.now()) }
}
