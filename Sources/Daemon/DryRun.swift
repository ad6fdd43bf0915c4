import Configuration
import FolderWatch
import Foundation
import Intake
import JobQueue

/// `enhanced --dry-run`: what the start-up scan would do with what is in the watched folders now
/// — queue, skip or leave alone, and why, and where each output and sidecar would go — decided
/// by the real intake against a scratch copy of the queue (see `JobQueue(scratchCopyOf:)`), so
/// no folder, database, output or lock file is created or changed.
public enum DryRun {
    public static func report(_ c: DaemonConfiguration) throws -> [String] {
        let route = try ModelCheck.routeIdentity(c)
        guard c.backend == .sqlite else {
            // A shared queue cannot be copied aside, and a what-if run must not touch it.
            throw Daemon.StartupError(description: "--dry-run needs state.backend = \"sqlite\": a PostgreSQL queue is shared and is not copied")
        }
        let queue = try JobQueue(scratchCopyOf: c.database)
        let naming = c.naming
        let intake = SourceIntake(queue: queue, modelID: route.id, paramsKey: c.paramsKey,
                                  rules: IgnoreRules(isOwnOutput: { naming.isOutputName($0) }), roots: c.rootMap)
        var lines: [String] = []
        for root in c.roots {
            guard FileManager.default.fileExists(atPath: root) else {
                lines.append("would create   \(root) (a watched folder that does not exist yet)")
                continue
            }
            for path in try SourceIntake.files(under: root, rules: intake.rules, includingIgnored: true) {
                lines.append(try intake.submit(path).dryRunLine(path) {
                    let plan = OutputPlan(source: $0, configuration: c)
                    return (plan.outputPath, plan.sidecarPath)
                })
            }
        }
        return lines
    }
}
