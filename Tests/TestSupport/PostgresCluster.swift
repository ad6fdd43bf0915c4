/// A throw-away PostgreSQL 15 server for the tests (Debian's `postgresql-15` binaries), never
/// the system service: `initdb` into a temporary directory owned by the `postgres` user (initdb
/// refuses root, and the tests run as root), started with `pg_ctl` on a Unix socket in that
/// directory and on the loopback address only, trust authentication.
///
/// One server per test process (`shared`, started on first use: initdb + start take about two
/// seconds), one database per test (`createDatabase`). It is stopped on every way out:
/// - a normal exit: an `atexit` handler stops it;
/// - the test process killed (SIGKILL, a crash): a watchdog shell, started in its own session,
///   polls the test process and stops the server and removes the directory once it is gone;
/// - the watchdog killed too: the next run finds the directory (its owner pid is in
///   `owner.pid`, under `/tmp/enhance-pgtest`), sees that pid gone, and stops it first.
#if canImport(Glibc)
import Glibc
#endif
import Foundation

public final class PostgresCluster: @unchecked Sendable {
    public static let binaries = "/usr/lib/postgresql/15/bin"
    static let base = "/tmp/enhance-pgtest"

    public let directory: String
    public let port: Int
    public var socketDirectory: String { directory + "/sock" }
    var dataDirectory: String { directory + "/data" }
    private let lock = NSLock()
    /// Databases made so far, for unique names; guarded by `lock`.
    private var databases = 0

    /// The process's server, started on first use; throws (every time) when it cannot start.
    public static func shared() throws -> PostgresCluster {
        try sharedLock.withLock {
            if let sharedCluster { return sharedCluster }
            let cluster = try PostgresCluster()
            sharedCluster = cluster
            atexit { PostgresCluster.sharedCluster?.stopServer() }
            return cluster
        }
    }
    nonisolated(unsafe) private static var sharedCluster: PostgresCluster?
    private static let sharedLock = NSLock()

    /// A server of the caller's own, for a test that stops and starts it (the shared one serves
    /// other suites meanwhile); `destroy` it at the end (the watchdog does if the run dies).
    public static func makePrivate() throws -> PostgresCluster { try PostgresCluster() }

    /// Stops the server and removes its directory.
    public func destroy() {
        stopServer()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private init() throws {
        try Self.removeOrphans()
        directory = Self.base + "/\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/sock", withIntermediateDirectories: true)
        try "\(getpid())\n".write(toFile: directory + "/owner.pid", atomically: true, encoding: .utf8)
        for path in [Self.base, directory, directory + "/sock"] { chmod(path, 0o755) }
        try Self.asPostgres(["/bin/chown", "-R", "postgres:postgres", directory])
        let initdb = try Self.asPostgres([Self.binaries + "/initdb", "-D", directory + "/data", "--auth=trust",
                                          "-U", "postgres", "-E", "UTF8", "--no-sync"], in: directory)
        guard initdb.status == 0 else { throw ClusterError("initdb failed: \(initdb.stderr)") }
        var port = 0
        for _ in 0..<8 {
            let candidate = Int.random(in: 20000..<60000)
            if try Self.start(data: directory + "/data", socket: directory + "/sock", port: candidate,
                              log: directory + "/pg.log", in: directory) {
                port = candidate
                break
            }
        }
        guard port != 0 else {
            throw ClusterError("pg_ctl start failed; log:\n\((try? String(contentsOfFile: directory + "/pg.log", encoding: .utf8)) ?? "")")
        }
        self.port = port
        try startWatchdog()
    }

    /// A new empty database; its libpq URL (Unix socket, role `postgres`).
    public func createDatabase(_ label: String = "t") throws -> String {
        let name = lock.withLock { () -> String in
            databases += 1
            return "\(label.lowercased().filter { $0.isLetter || $0.isNumber })_\(databases)"
        }
        let result = try runCommand(Self.binaries + "/createdb", ["-h", socketDirectory, "-p", "\(port)", "-U", "postgres", name])
        guard result.status == 0 else { throw ClusterError("createdb \(name): \(result.stderr)") }
        return url(name)
    }

    public func url(_ database: String) -> String {
        "postgresql:///\(database)?host=\(socketDirectory)&port=\(port)&user=postgres"
    }

    /// Stops the server at once (`-m immediate`: as a crash or a pulled cable would), keeping its
    /// data for `startServer`.
    public func stopServer() {
        _ = try? Self.asPostgres([Self.binaries + "/pg_ctl", "-D", dataDirectory, "-m", "immediate", "-w", "stop"],
                                 in: directory)
    }

    /// Starts the stopped server again on the same socket and port.
    public func startServer() throws {
        guard try Self.start(data: dataDirectory, socket: socketDirectory, port: port, log: directory + "/pg.log",
                             in: directory) else {
            throw ClusterError("pg_ctl start failed again on port \(port)")
        }
    }

    // MARK: Private

    private static func start(data: String, socket: String, port: Int, log: String, in directory: String) throws -> Bool {
        let options = "-c listen_addresses=127.0.0.1 -c unix_socket_directories=\(socket) -p \(port) -c fsync=off -c max_connections=200"
        return try startQuietly([binaries + "/pg_ctl", "-D", data, "-o", options, "-l", log, "-w", "-t", "30", "start"],
                                in: directory) == 0
    }

    /// A shell in a session of its own that outlives this process by at most a second: then it
    /// stops the server and removes the directory.
    private func startWatchdog() throws {
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            setpriv --reuid=postgres --regid=postgres --init-groups \(Self.binaries)/pg_ctl -D '\(dataDirectory)' -m immediate -w stop >/dev/null 2>&1
            rm -rf '\(directory)'
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
        process.arguments = ["/bin/sh", "-c", script]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Servers of earlier runs whose test process is gone (and whose watchdog died with it).
    private static func removeOrphans() throws {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: base) else { return }
        for entry in entries {
            let directory = base + "/" + entry
            guard let text = try? String(contentsOfFile: directory + "/owner.pid", encoding: .utf8),
                  let owner = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                  kill(owner, 0) != 0 && errno == ESRCH else { continue }
            _ = try? asPostgres([binaries + "/pg_ctl", "-D", directory + "/data", "-m", "immediate", "-w", "stop"],
                                in: directory)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// `pg_ctl start` as the postgres user, its output to /dev/null (the server's goes to its
    /// log file), waited for with `waitpid`: the server it leaves running inherits whatever
    /// pipes it was given, so `runCommand` (which reads to the end of them) would never return,
    /// and Foundation's `Process` was seen not to reap it.
    private static func startQuietly(_ arguments: [String], in directory: String) throws -> Int32 {
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory,
                    "/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in [Int32(0), 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let status = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard status == 0 else { throw ClusterError("cannot run pg_ctl: \(String(cString: strerror(status)))") }
        var exit: Int32 = 0
        while waitpid(pid, &exit, 0) < 0 && errno == EINTR {}
        return (exit >> 8) & 0xff
    }

    /// Runs a command as the `postgres` user (root otherwise: chown needs it).
    @discardableResult
    static func asPostgres(_ command: [String], in directory: String? = nil) throws -> CommandResult {
        if command.first == "/bin/chown" { return try runCommand(command[0], Array(command.dropFirst())) }
        return try runCommand("/usr/bin/setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups"] + command,
                              currentDirectory: directory)
    }
}

public struct ClusterError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
