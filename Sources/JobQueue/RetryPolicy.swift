/// Bounded retries with exponential back-off for transient failures (a full disk, a file that
/// could not be read for a moment): attempt n waits initialDelay · 2^(n-1), at most maxDelay.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included; after the last one the job is `failed`.
    public var maxAttempts: Int
    public var initialDelay: Double
    public var maxDelay: Double

    public init(maxAttempts: Int = 4, initialDelay: Double = 30, maxDelay: Double = 3600) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
    }

    /// Seconds to wait after the `attempt`-th attempt failed (1-based).
    public func delay(afterAttempt attempt: Int) -> Double {
        var delay = initialDelay
        for _ in 1..<max(1, attempt) {
            delay *= 2
            if delay >= maxDelay { break }
        }
        return min(delay, maxDelay)
    }
}
