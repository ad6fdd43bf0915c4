/// Runs the real `enhanced` binary in a temporary directory: its own inbox, database and
/// configuration, a notify socket standing in for systemd, and helpers to drop photos in and
/// wait (by polling, with deadlines; `eventually` and `holds` from TestSupport) for the queue to
/// reach a state.
import Foundation
import Imaging
import JobQueue
import TestSupport

final class DaemonHarness {
    let directory: URL
    let inbox: String
    let database: String
    let configPath: String
    let logPath: String
    let notify: NotifySocket
    private(set) var process: Process?
    /// A command (with its arguments) the daemon is started through, its own path and arguments
    /// appended: `setpriv --reuid=nobody …` to run it as another user, `strace -f -o FILE` to
    /// trace it, `unshare --user …` for limits of its own. Empty: the daemon itself.
    var launcher: [String] = []

    /// Seconds a test watches, after the queue reached what it expects, for anything further (a
    /// second job for the same photo, an output taken for a source): several settle delays, so
    /// the watcher and the intake have had time to act on a late event.
    static let grace = 1.5

    /// `settings` is TOML merged into the harness's configuration table by table: a key it gives
    /// replaces the default of the same name in the same table, new keys and tables are added, and
    /// every table still appears once — e.g. "[workers]\nshutdown_timeout = 0" keeps the
    /// harness's one worker and one thread, and adds the timeout. (Appending the text instead
    /// would put a headerless key under the last table, and a second `[workers]` header is a
    /// duplicate table TOML refuses.)
    init(_ label: String, settleDelay: Double = 0.3, settings: String = "") throws {
        directory = try TestEnvironment.temporaryDirectory("daemon-\(label)")
        inbox = directory.appendingPathComponent("inbox").path
        database = directory.appendingPathComponent("state/enhance.sqlite").path
        configPath = directory.appendingPathComponent("enhance.toml").path
        logPath = directory.appendingPathComponent("enhanced.log").path
        notify = try NotifySocket(path: directory.appendingPathComponent("notify.sock").path)
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try writeConfiguration(settleDelay: settleDelay, settings: settings)
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The configuration a test starts from: one worker of one thread, fast retries, no periodic
    /// rescans, paths inside the temporary directory.
    func defaultConfiguration(settleDelay: Double) throws -> TOMLTables {
        var tables = TOMLTables()
        try tables.merge("""
            [watch]
            roots = ["inbox"]
            settle_delay = \(settleDelay)
            rescan_interval = 0
            [model]
            path = "\(try TestEnvironment.model("srgan-gan.safetensors"))"
            [state]
            database = "state/enhance.sqlite"
            [workers]
            count = 1
            threads = 1
            lease = 30
            [retry]
            initial_delay = 0.2
            max_delay = 1
            """)
        return tables
    }

    /// (Re)writes the configuration file: the defaults with `settings` merged in (see `init`).
    func writeConfiguration(settleDelay: Double = 0.3, settings: String = "") throws {
        var tables = try defaultConfiguration(settleDelay: settleDelay)
        try tables.merge(settings)
        try tables.text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    // MARK: The process

    /// Starts the daemon and waits for its READY=1.
    func start() throws {
        let process = Process()
        let command = launcher + [try TestEnvironment.binary("enhanced"), "--config", configPath]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify.path
        environment["WATCHDOG_USEC"] = "2000000"   // WatchdogSec=2: a ping at least every second
        environment.removeValue(forKey: "WATCHDOG_PID")
        environment.removeValue(forKey: "JOURNAL_STREAM")
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        guard notify.waitFor("READY=1", timeout: 60) else {
            throw HarnessError("enhanced did not become ready; log:\n\(self.log)")
        }
    }

    /// Signals the daemon. Through a launcher that stays its parent (strace), that is the pid in
    /// the daemon's lock file, not the launcher's.
    func signal(_ number: Int32) {
        guard let process else { return }
        kill(launcher.isEmpty ? process.processIdentifier : daemonPID ?? process.processIdentifier, number)
    }

    /// The pid the running daemon wrote into its lock file (`<database>.lock`).
    var daemonPID: pid_t? {
        (try? String(contentsOfFile: database + ".lock", encoding: .utf8))
            .flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Waits for the process to exit; its status, or nil on timeout.
    func waitForExit(timeout: Double) -> Int32? {
        guard let process else { return nil }
        guard eventually(timeout: timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var isRunning: Bool { process?.isRunning ?? false }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    // MARK: The queue

    func queue() throws -> JobQueue { try JobQueue(path: database, create: false, busyTimeout: 5) }

    func counts() -> [JobState: Int] { (try? queue().counts()) ?? [:] }

    /// Waits until the queue holds exactly `expected`: these many jobs in these states and none in
    /// any other (a state left out means zero). Stops at the first poll that matches; pass
    /// `thenSteadyFor` where the test means "and nothing more happens" (each photo enhanced once,
    /// no job appearing late for an output or a duplicate): the counts must then stay as they are
    /// for that many seconds.
    func waitFor(_ expected: [JobState: Int], timeout: Double = 90, thenSteadyFor grace: Double = 0) -> Bool {
        let matches = {
            let counts = self.counts()
            return JobState.allCases.allSatisfy { counts[$0, default: 0] == expected[$0, default: 0] }
        }
        return eventually(timeout: timeout, matches) && (grace <= 0 || holds(for: grace, matches))
    }

    func ctl(_ arguments: [String]) throws -> CommandResult {
        try runCommand(try TestEnvironment.binary("enhance-ctl"), arguments + ["--config", configPath])
    }

    // MARK: Photos

    /// A small PNG (or `format`) cut from a fixture photo, distinct for each `index`; 16×16
    /// pixels so that a job takes a fraction of a second.
    static func photo(_ index: Int, size: Int = 16, format: ImageFormat = .png, quality: Int = 92) throws -> [UInt8] {
        let sources = ["face", "cup", "fur"]
        let reader = try ImageReader(path: TestEnvironment.fixture("SRGANTests", "lr_\(sources[index % 3]).png"))
        var samples: [UInt8] = []
        try reader.readRows(count: reader.info.height, into: &samples)
        let w = reader.info.width, c = reader.info.channels
        let cells = (w / size) * (reader.info.height / size)
        let cell = (index / 3) % cells
        let x0 = (cell % (w / size)) * size, y0 = (cell / (w / size)) * size
        var crop: [UInt8] = []
        for y in y0..<(y0 + size) { crop += samples[((y * w + x0) * c)..<((y * w + x0 + size) * c)] }
        // Flat backgrounds can make two crops identical; the index in the first pixel keeps
        // every photo distinct (or the queue rightly de-duplicates them).
        crop[0] = UInt8(index & 0xff)
        crop[1] = UInt8(index >> 8)
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("crop-\(UUID().uuidString).\(format.preferredPathExtension)").path
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let writer = try ImageWriter(path: temporary, info: ImageInfo(width: size, height: size, channels: c,
                                                                     bitDepth: 8, format: format),
                                     quality: quality)
        try writer.writeRows(crop)
        try writer.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: temporary)))
    }

    /// Writes `bytes` into the inbox at `relative` in one go (a copy).
    @discardableResult
    func drop(_ relative: String, _ bytes: [UInt8]) throws -> String {
        let path = inbox + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Every file under the inbox, relative, sorted.
    func inboxFiles() -> [String] {
        (FileManager.default.enumerator(atPath: inbox)?.compactMap { $0 as? String } ?? [])
            .filter { (try? FileManager.default.attributesOfItem(atPath: inbox + "/" + $0)[.type] as? FileAttributeType) != .typeDirectory }
            .sorted()
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A small TOML document kept as tables of `key = value` lines, each table and each key once,
/// in the order first given: enough to merge test settings into the harness's defaults. Values
/// stay TOML text (one line each); the daemon's own parser judges them.
struct TOMLTables {
    private(set) var tables: [(name: String, entries: [(key: String, value: String)])] = []

    /// Sets `key` in `table` to the TOML text `value`, replacing an earlier value.
    mutating func set(_ table: String, _ key: String, _ value: String) {
        let t = tables.firstIndex { $0.name == table } ?? {
            tables.append((table, []))
            return tables.count - 1
        }()
        if let k = tables[t].entries.firstIndex(where: { $0.key == key }) {
            tables[t].entries[k].value = value
        } else {
            tables[t].entries.append((key, value))
        }
    }

    /// Drops `key` from `table` (e.g. `model.path`, for a test that names the model instead).
    mutating func remove(_ table: String, _ key: String) {
        guard let t = tables.firstIndex(where: { $0.name == table }) else { return }
        tables[t].entries.removeAll { $0.key == key }
    }

    /// Merges TOML text of `[table]` headers and `key = value` lines (blank lines and `#` comments
    /// skipped). A key before any header has no table to go to and is refused rather than guessed.
    mutating func merge(_ text: String) throws {
        var table: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                table = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw HarnessError("configuration settings: not a `key = value` line: \(line)")
            }
            guard let table else {
                throw HarnessError("configuration settings: \(line): no [table] header before it")
            }
            set(table, line[..<equals].trimmingCharacters(in: .whitespaces),
                line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces))
        }
    }

    var text: String {
        tables.map { table in
            (["[\(table.name)]"] + table.entries.map { "\($0.key) = \($0.value)" }).joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }
}
