import Foundation
import JobQueue

extension DaemonConfiguration {
    /// The host name up to its first dot: what `[node] name` is when not given.
    public static var defaultNodeName: String {
        let host = ProcessInfo.processInfo.hostName
        return host.split(separator: ".").first.map(String.init) ?? host
    }

    /// `[state] backend`, `url`, `password_file` and `[node] name`, checked: a PostgreSQL URL is
    /// parsed by libpq here (a typo shows at `--check-config`, not as a connection error), and a
    /// node name must not contain `/`, which separates the parts of a lease owner.
    static func readState(_ r: inout KeyReader, into config: inout DaemonConfiguration) throws(ConfigurationError) {
        config.backend = try r.choice("state.backend") ?? config.backend
        config.stateURL = try r.string("state.url")
        config.passwordFile = try r.path("state.password_file")
        if let name = try r.string("node.name") {
            guard !name.contains("/"), !name.contains(where: \.isWhitespace) else {
                throw ConfigurationError(key: "node.name", message: "must not contain \"/\" or spaces, got \"\(name)\"")
            }
            config.nodeName = name
        }
        switch config.backend {
        case .sqlite:
            if config.stateURL != nil {
                throw ConfigurationError(key: "state.url", message: "is for backend = \"postgresql\" (state.backend is \"sqlite\")")
            }
        case .postgresql:
            guard let url = config.stateURL else {
                throw ConfigurationError(key: "state.url", message: "is required when state.backend = \"postgresql\"")
            }
            do {
                _ = try PostgreSQLQueue.describe(url)
            } catch let error as PostgreSQLError {
                throw ConfigurationError(key: "state.url", message: error.message)
            } catch {
                throw ConfigurationError(key: "state.url", message: "\(error)")
            }
        }
    }

    /// The queue as a person may see it named: the SQLite file, or the URL without a password.
    public var queueLocation: String {
        guard backend == .postgresql, let stateURL else { return database }
        return (try? PostgreSQLQueue.describe(stateURL)) ?? "PostgreSQL"
    }

    /// Opens the queue this configuration names — the one place that chooses the backend, for
    /// the daemon and `enhance-ctl` alike. `create` and `busyTimeout` are SQLite's: a
    /// PostgreSQL database is made by its admin, and its waits are the server's.
    public func openJobStore(create: Bool = true, busyTimeout: Double = 10) throws -> any JobStore {
        switch backend {
        case .sqlite:
            return try JobQueue(path: database, create: create, busyTimeout: busyTimeout)
        case .postgresql:
            return try PostgreSQLQueue(url: stateURL ?? "", passwordFile: passwordFile, node: nodeName)
        }
    }
}
