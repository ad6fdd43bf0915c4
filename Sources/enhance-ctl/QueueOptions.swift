/// What the daemon-facing commands share: the configuration that says where the queue is.
import ArgumentParser
import Configuration
import Foundation
import JobQueue

struct QueueOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's TOML configuration, also accepted before the subcommand (default: /etc/enhance/enhance.toml for an installed binary, the checkout's var/ for one built there).")
    var config: String?

    func configuration() throws -> DaemonConfiguration {
        do {
            return try DaemonConfiguration.load(file: config)
        } catch {
            throw Failure("\(error)")
        }
    }

    /// Opens the daemon's queue. A short busy timeout: the daemon's transactions are short, and
    /// a command should answer rather than hang.
    func openQueue(create: Bool = false) throws -> any JobStore {
        let c = try configuration()
        do {
            return try c.openJobStore(create: create, busyTimeout: 5)
        } catch {
            throw Failure("\(error)")
        }
    }
}

/// Output for `--json`: pretty, keys sorted, so scripts and people can both read it.
func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
