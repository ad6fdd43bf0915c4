#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The signals the daemon handles, taken by one thread with `sigwait`. They are blocked in every
/// thread from before the first one exists (oneDNN's, Dispatch's, ours), so none is lost or
/// delivered to a busy worker; they stay pending until this thread takes them.
enum SignalWaiter {
    static let handled = [SIGTERM, SIGINT, SIGHUP]

    private static var set: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in handled { sigaddset(&set, number) }
        return set
    }

    /// Call first thing, before any thread is created.
    static func blockHandledSignals() {
        var set = Self.set
        pthread_sigmask(SIG_BLOCK, &set, nil)
        signal(SIGPIPE, SIG_IGN)
    }

    /// Starts the thread. `onStop` runs on it directly (a stop must not wait behind a heartbeat
    /// stuck on a busy database: seen under load in the test suite); `onReload` is expected to
    /// hand the work to the control queue and return.
    static func start(onReload: @escaping @Sendable () -> Void, onStop: @escaping @Sendable (String, Int32) -> Void) {
        let thread = Thread {
            var set = Self.set
            while true {
                var number: Int32 = 0
                guard sigwait(&set, &number) == 0 else { continue }
                switch number {
                case SIGHUP: onReload()
                case SIGINT: onStop("SIGINT", SIGINT)
                default: onStop("SIGTERM", SIGTERM)
                }
            }
        }
        thread.name = "signals"
        thread.start()
    }
}
