/// A stand-in for systemd's notify socket: a Unix datagram socket that collects what the daemon
/// sends (READY=1, STATUS=…, STOPPING=1, WATCHDOG=1).
import Foundation
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

final class NotifySocket: @unchecked Sendable {
    let path: String
    private let fd: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var closed = false

    /// Binds the socket and reads it continuously on a thread of its own, as systemd does: a
    /// datagram socket nobody reads fills up, and the daemon's messages would then be dropped.
    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard fd >= 0, status == 0 else { throw HarnessError("cannot bind \(path)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // The thread holds the socket weakly and closes the descriptor once the socket is gone.
        let descriptor = fd
        Thread { [weak self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while let socket = self, !socket.lock.withLock({ socket.closed }) {
                let n = recv(descriptor, &buffer, buffer.count, 0)   // wakes at least every 100 ms
                guard n > 0 else { continue }
                let lines = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: "\n").map(String.init)
                socket.lock.withLock { socket.received += lines }
            }
            close(descriptor)
        }.start()
    }

    deinit { lock.withLock { closed = true } }

    /// Messages received so far (each datagram's lines).
    var messages: [String] { lock.withLock { received } }

    /// Waits until a line equal to `line` has arrived since the last call that found one.
    func waitFor(_ line: String, timeout: Double) -> Bool {
        let found = eventually(timeout: timeout) { messages.contains(line) }
        if found {
            lock.withLock {
                if let index = received.firstIndex(of: line) { received.removeSubrange(...index) }
            }
        }
        return found
    }
}
