/// enhanced: the watch-folder daemon — parse flags, load the configuration, run until SIGTERM.
import ArgumentParser
import Configuration
import Daemon
import Foundation

@main
struct Enhanced: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enhanced",
        abstract: "Watch folders and enhance every photo dropped into them (SRGAN ×4), with provenance.",
        discussion: "Without --config, an installed binary reads /etc/enhance/enhance.toml; one built in a checkout uses the embedded default, under the checkout's var/: watch var/inbox, state in var/state/enhance.sqlite, model var/models/srgan-gan.safetensors. Signals: SIGTERM or SIGINT stops gracefully (a second one at once, exit status 143 or 130), SIGHUP reloads the configuration and model. See enhance.toml(5).",
        version: Daemon.version
    )

    @Option(name: .long, help: "The TOML configuration file (see etc/enhance.toml).")
    var config: String?

    @Flag(name: .long, help: "Check the configuration and that its model file loads, print it, and exit.")
    var checkConfig = false

    @Flag(name: .long, help: "Say what the start-up scan would queue, skip (and why), and where each output and sidecar would go, then exit; nothing is created or changed.")
    var dryRun = false

    func run() throws {
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(file: config)
        } catch {
            fail("\(error)")
        }
        if checkConfig {
            // The model is part of the configuration an admin checks: a file that is missing or
            // does not load would only show at start, as a restart loop under systemd.
            let route: ModelRoute
            do {
                route = try ModelCheck.loadRoute(configuration)
            } catch {
                fail("\(configuration.file ?? "embedded default configuration"): \(error)")
            }
            print(ConfigurationSummary.render(configuration, route: route))
            return
        }
        if dryRun {
            do {
                try DryRun.report(configuration).forEach { print($0) }
            } catch {
                FileHandle.standardError.write(Data("enhanced: \(error)\n".utf8))
                throw ExitCode(1)
            }
            return
        }
        let logger = Logger(level: configuration.logLevel)
        do {
            let status = try Daemon(configuration: configuration, logger: logger).run()
            throw ExitCode(status)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            logger.error("\(error)")
            throw ExitCode(1)
        }
    }

    private func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("enhanced: \(message)\n".utf8))
        Foundation.exit(2)
    }
}
