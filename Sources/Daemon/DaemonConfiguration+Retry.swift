import Configuration
import JobQueue

extension DaemonConfiguration {
    /// The `[retry]` keys as the queue's back-off policy.
    var retryPolicy: RetryPolicy {
        RetryPolicy(maxAttempts: maxAttempts, initialDelay: initialDelay, maxDelay: maxDelay)
    }
}
