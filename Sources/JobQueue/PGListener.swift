#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A thread with a connection of its own that `LISTEN`s on the queue's channel and calls its
/// handlers for every notification, so idle workers on every node wake when any node adds or
/// frees work. Notifications sent while it is disconnected are lost: after reconnecting it
/// calls the handlers once anyway, and the workers' slow poll remains the fallback.
///
/// Started by the first `add`; runs for the life of the process. `lock` guards `handlers`
/// and `started`; the connection is the thread's alone.
final class PGListener: @unchecked Sendable {
    private let pool: PGPool
    private let channel: String
    private let lock = NSLock()
    private var handlers: [@Sendable () -> Void] = []
    private var started = false

    init(pool: PGPool, channel: String) {
        self.pool = pool
        self.channel = channel
    }

    func add(_ handler: @escaping @Sendable () -> Void) {
        let start = lock.withLock { () -> Bool in
            handlers.append(handler)
            defer { started = true }
            return !started
        }
        guard start else { return }
        let thread = Thread { [self] in run() }
        thread.name = "pg-listen"
        thread.start()
    }

    private func wake() { lock.withLock { handlers }.forEach { $0() } }

    private func run() {
        var first = true
        while true {
            guard let connection = try? pool.connect() else {
                Thread.sleep(forTimeInterval: PGPool.firstBackoff)   // the pool paces real attempts
                continue
            }
            do {
                try connection.run("LISTEN \(channel)")
                if !first { wake() }   // what was added while we were away
                first = false
                while true {
                    var descriptor = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&descriptor, 1, 5000)
                    if ready < 0 && errno != EINTR { break }
                    if !(try connection.consumeNotifications()).isEmpty { wake() }
                    if connection.isBad { break }
                }
            } catch {
                // Reconnect; the pool reports the outage, once, to the daemon.
            }
        }
    }
}
