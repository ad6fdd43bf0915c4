#if canImport(Glibc)
import Glibc
#endif
import Configuration
import Foundation

/// Runs the `[hooks]` programs when a job ends. Workers only hand an event over and go on: the
/// hooks run one at a time on a queue of their own, so a slow, failing or hanging hook never
/// holds a worker, the queue or the next photo. Each hook gets the timeout, then SIGTERM and,
/// two seconds later, SIGKILL; what it prints goes to the log, its failures too.
final class HookRunner: @unchecked Sendable {
    /// A job that ended, in the terms the hooks are given.
    struct Event: Sendable {
        var jobID: Int64
        var source: String
        var output: String?
        var sidecar: String?
        var state: String
        var reason: String?

        /// `{placeholder}` and `ENHANCE_*` values (absent ones are empty).
        func value(_ name: String) -> String {
            switch name {
            case "job": "\(jobID)"
            case "source": source
            case "output": output ?? ""
            case "sidecar": sidecar ?? ""
            case "state": state
            case "reason": reason ?? ""
            default: ""
            }
        }
    }

    /// Events waiting beyond this many are dropped, each with a log line: a hook slower than the
    /// photos must not grow the daemon's memory without bound.
    static let maxPending = 1000
    /// Lines of a hook's output kept for the log.
    static let maxLoggedLines = 20

    private let logger: Logger
    private let runs = DispatchQueue(label: "enhanced.hooks")
    private let group = DispatchGroup()
    // Guarded by `lock`.
    private let lock = NSLock()
    private var pending = 0
    private var stopping = false

    init(logger: Logger) {
        self.logger = logger
    }

    /// Called by a worker when a job is done or has failed for good; returns at once.
    func jobEnded(_ event: Event, hooks: HookCommands) {
        let argv = event.state == "done" ? hooks.onDone : hooks.onFailed
        guard !argv.isEmpty else { return }
        let name = event.state == "done" ? "on_done" : "on_failed"
        let accepted = lock.withLock { () -> Bool in
            guard !stopping, pending < Self.maxPending else { return false }
            pending += 1
            return true
        }
        guard accepted else {
            logger.warning("hook \(name) (job \(event.jobID)): not run: \(Self.maxPending) hooks are already waiting or the daemon is stopping")
            return
        }
        group.enter()
        runs.async { [self] in
            defer {
                lock.withLock { pending -= 1 }
                group.leave()
            }
            if lock.withLock({ stopping }) {
                logger.warning("hook \(name) (job \(event.jobID)): not run: the daemon is stopping")
                return
            }
            run(argv, name: name, event: event, timeout: hooks.timeout)
        }
    }

    /// At stop: hooks still waiting are not started; the one running gets until `deadline`.
    /// True when none is left.
    func drain(until deadline: DispatchTime) -> Bool {
        lock.withLock { stopping = true }
        return group.wait(timeout: deadline) == .success
    }

    private func run(_ argv: [String], name: String, event: Event, timeout: Double) {
        let label = "hook \(name) (job \(event.jobID))"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = argv.dropFirst().map { argument in
            HookCommands.placeholders.reduce(argument) { $0.replacingOccurrences(of: "{\($1.name)}", with: event.value($1.name)) }
        }
        var environment = ProcessInfo.processInfo.environment
        // systemd's channels are the daemon's own: a hook must not speak for it.
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] {
            environment.removeValue(forKey: key)
        }
        for (placeholder, variable) in HookCommands.placeholders { environment[variable] = event.value(placeholder) }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            logger.warning("\(label): cannot run \(argv[0]): \(error.localizedDescription)")
            return
        }
        // Read on another thread until every writer has closed the pipe (the hook, and any
        // child it left behind), keeping the first lines for the log.
        let output = OutputLines(limit: Self.maxLoggedLines)
        let reader = pipe.fileHandleForReading
        let readDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while case let data = reader.availableData, !data.isEmpty { output.append(data) }
            readDone.signal()
        }
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGTERM)
            if exited.wait(timeout: .now() + 2) == .timedOut {
                kill(process.processIdentifier, SIGKILL)
                exited.wait()
            }
        }
        // A child that keeps the pipe open must not keep this hook from ending.
        _ = readDone.wait(timeout: .now() + 1)
        for line in output.lines { logger.info("\(label): \(line)") }
        if output.dropped > 0 { logger.info("\(label): … \(output.dropped) more line(s)") }
        if timedOut {
            logger.warning("\(label): \(argv[0]) still running after \(Self.seconds(timeout)); stopped")
        } else if process.terminationReason == .uncaughtSignal {
            logger.warning("\(label): \(argv[0]) was killed by signal \(process.terminationStatus)")
        } else if process.terminationStatus != 0 {
            logger.warning("\(label): \(argv[0]) failed with exit status \(process.terminationStatus)")
        } else {
            logger.debug("\(label): \(argv[0]) succeeded")
        }
    }

    private static func seconds(_ t: Double) -> String {
        t == t.rounded() ? "\(Int(t)) s" : String(format: "%.1f s", t)
    }
}

/// A hook's output as lines, the first `limit` kept. Written by the reader thread, read after it
/// finished or gave up: guarded by its lock either way.
private final class OutputLines: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var buffer = Data()
    private var kept: [String] = []
    private var extra = 0

    init(limit: Int) { self.limit = limit }

    func append(_ data: Data) {
        lock.withLock {
            buffer.append(data)
            while let newline = buffer.firstIndex(of: 0x0A) {
                take(buffer[buffer.startIndex..<newline])
                buffer.removeSubrange(buffer.startIndex...newline)
            }
            // A line with no end in sight is cut, so a hook cannot fill the daemon's memory.
            if buffer.count > 4096 {
                take(buffer.prefix(4096))
                buffer.removeAll()
            }
        }
    }

    private func take(_ line: Data) {
        if kept.count < limit { kept.append(String(decoding: line, as: UTF8.self)) } else { extra += 1 }
    }

    var lines: [String] {
        lock.withLock { kept + (buffer.isEmpty || kept.count >= limit ? [] : [String(decoding: buffer, as: UTF8.self)]) }
    }

    var dropped: Int { lock.withLock { extra + (!buffer.isEmpty && kept.count >= limit ? 1 : 0) } }
}
