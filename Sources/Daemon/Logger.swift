/// Daemon: the services behind `enhanced` — intake from the watcher into the queue, a pool of
/// workers each owning its generator, atomic outputs with XMP provenance, signals (SIGTERM,
/// SIGHUP), systemd readiness and watchdog, and the heartbeat `enhance-ctl status` reads.
import Configuration
import Foundation

/// Leveled lines on stderr. Under systemd (JOURNAL_STREAM set) each line starts with the
/// `<N>` syslog priority prefix the journal understands; on a terminal, with a timestamp.
public final class Logger: @unchecked Sendable {
    public typealias Level = DaemonConfiguration.LogLevel
    private let lock = NSLock()
    private var minimum: Level
    private let journal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil

    public init(level: Level) { minimum = level }

    public var level: Level {
        get { lock.withLock { minimum } }
        set { lock.withLock { minimum = newValue } }
    }

    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }

    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= self.level else { return }
        let text = message().split(whereSeparator: \.isNewline).joined(separator: " ")
        let line: String
        if journal {
            let priority = switch level { case .debug: 7; case .info: 6; case .warning: 4; case .error: 3 }
            line = "<\(priority)>\(text)\n"
        } else {
            let stamp = Self.timestamp()
            line = "\(stamp) \(level.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)) \(text)\n"
        }
        lock.withLock { FileHandle.standardError.write(Data(line.utf8)) }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        localtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%03d", parts.tm_year + 1900, parts.tm_mon + 1,
                      parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec / 1_000_000))
    }
}
