/// `enhance-ctl enqueue PATH…`: queue files (or folders' images) now, without waiting for the
/// watcher — e.g. photos outside the watched folders, or after a model change. A path becomes a
/// job exactly as the daemon's intake makes it one (`SourceIntake`): the daemon's own outputs
/// and unchanged known files are recognised here too.
import ArgumentParser
import Configuration
import FolderWatch
import Foundation
import Intake
import JobQueue
import Hashing

struct Enqueue: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Queue image files, or every image under folders, for the daemon.")

    @OptionGroup var options: QueueOptions
    @Flag(name: .long, help: "Only say what would be queued, skipped (and why), and where each output and sidecar would go; change nothing.")
    var dryRun = false
    @Argument(help: "Image files or folders.") var paths: [String]

    func run() throws {
        try reportingFailures {
            let c = try options.configuration()
            // A dry run decides against a private in-memory copy of the queue: the same intake,
            // the same answers, and the database (or its absence) untouched.
            let queue = dryRun ? try scratchQueue(c) : try options.openQueue(create: true)
            // Keyed by the daemon's route (see `ModelRoute`): which of its models enhances each
            // file is the worker's choice when it runs.
            func identity(_ path: String, _ key: String) throws -> ModelIdentity {
                do {
                    return ModelIdentity(path: path, sha256: try SHA256.hexDigest(ofFile: path))
                } catch {
                    throw Failure("\(key): \(error)")
                }
            }
            let route = ModelRoute(primary: try identity(c.modelPath, "model.path"),
                                   degraded: try c.degradedModelPath.map { try identity($0, "model.degraded") },
                                   thresholds: c.degradedThresholds)
            let naming = c.naming
            let intake = SourceIntake(queue: queue, modelID: route.id, paramsKey: c.paramsKey,
                                      rules: IgnoreRules(isOwnOutput: { naming.isOutputName($0) }), roots: c.rootMap)
            var problems = 0
            let files: [String]
            do {
                files = try paths.flatMap {
                    try SourceIntake.files(under: $0, rules: intake.rules, includingIgnored: dryRun)
                }
            } catch {
                throw Failure("\(error)")
            }
            for path in files {
                let outcome = try intake.submit(path)
                if dryRun {
                    print(outcome.dryRunLine(path) {
                        let plan = OutputPlan(source: $0, configuration: c)
                        return (plan.outputPath, plan.sidecarPath)
                    })
                    continue
                }
                switch outcome {
                case .queued(let job): print("job \(job.id): queued \(path)")
                case .known(let job), .unchanged(let job):
                    print("job \(job.id): already known (\(job.state.rawValue)) \(path)")
                case .duplicate(let job, let original):
                    print("job \(job.id): skipped \(path): same content as job \(original.id)")
                case .ignored(let reason):
                    FileHandle.standardError.write(Data("enhance-ctl: not queued: \(reason)\n".utf8))
                    problems += 1
                case .rejected(let job, let reason):
                    FileHandle.standardError.write(Data("enhance-ctl: \(job.map { "job \($0.id): " } ?? "")failed: \(reason)\n".utf8))
                    problems += 1
                }
            }
            if problems > 0 { throw ExitCode(1) }
        }
    }

    private func scratchQueue(_ c: DaemonConfiguration) throws -> JobQueue {
        guard c.backend == .sqlite else {
            throw Failure("--dry-run needs state.backend = \"sqlite\": a PostgreSQL queue is shared and is not copied")
        }
        do {
            return try JobQueue(scratchCopyOf: c.database)
        } catch {
            throw Failure("\(error)")
        }
    }
}
