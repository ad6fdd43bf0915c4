/// The running daemon as it describes itself in the database, so `enhance-ctl status` can say
/// whether it is up, since when, and with which model, without any other channel.
public struct DaemonRecord: Sendable, Codable, Equatable {
    public var pid: Int32
    public var version: String
    public var startedAt: Double
    public var heartbeatAt: Double
    /// Set when the daemon stopped cleanly.
    public var stoppedAt: Double?
    public var modelName: String
    public var modelSHA256: String
    public var workers: Int
    public var threads: Int
    /// The node's name (`[node] name`) on a shared queue; empty on SQLite, which has one daemon.
    public var node: String
    /// Jobs its workers hold now, when the queue counts them per node (PostgreSQL).
    public var runningJobs: Int?

    public init(pid: Int32, version: String, startedAt: Double, heartbeatAt: Double, stoppedAt: Double? = nil,
                modelName: String, modelSHA256: String, workers: Int, threads: Int, node: String = "",
                runningJobs: Int? = nil) {
        self.pid = pid
        self.version = version
        self.startedAt = startedAt
        self.heartbeatAt = heartbeatAt
        self.stoppedAt = stoppedAt
        self.modelName = modelName
        self.modelSHA256 = modelSHA256
        self.workers = workers
        self.threads = threads
        self.node = node
        self.runningJobs = runningJobs
    }
}
