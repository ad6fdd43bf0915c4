import JobQueue

extension DaemonConfiguration {
    /// The `[retry]` keys as the queue's back-off policy: the daemon's, and what `enhance-ctl
    /// queue migrate` applies to jobs whose worker is gone, as the daemon's start-up would.
    public var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initialDelay: initialDelay, maxDelay: maxDelay)
    }
}
