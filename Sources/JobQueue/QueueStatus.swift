/// Everything `enhance-ctl status` shows about the queue, read in one transaction.
public struct QueueStatus: Sendable, Codable, Equatable {
    public var counts: [String: Int]
    public var paused: Bool
    public var running: [Job]
    /// Jobs finished `done` in the last hour, and their total output pixels.
    public var doneLastHour: Int
    public var outputPixelsLastHour: Int64
    /// Creation time of the oldest queued job, if any.
    public var oldestQueuedAt: Double?
    /// The most recent failures, newest first.
    public var recentFailures: [Job]

    public func count(_ state: JobState) -> Int { counts[state.rawValue] ?? 0 }
}
