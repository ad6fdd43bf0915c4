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
    @Argument(help: "Image files or folders.") var paths: [String]

    func run() throws {
        try reportingFailures {
            let c = try options.configuration()
            let queue = try options.openQueue(create: true)
            let model: ModelIdentity
            do {
                model = ModelIdentity(path: c.modelPath, sha256: try SHA256.hexDigest(ofFile: c.modelPath))
            } catch {
                throw Failure("model.path: \(error)")
            }
            let naming = c.naming
            let intake = SourceIntake(queue: queue, modelID: model.id, paramsKey: c.paramsKey,
                                      rules: IgnoreRules(isOwnOutput: { naming.isOutputName($0) }))
            var problems = 0
            for path in try paths.flatMap({ try files(under: $0, rules: intake.rules) }) {
                switch try intake.submit(path) {
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

    /// A file as given (absolute), or a folder's images, recursively, by the watcher's rules.
    private func files(under path: String, rules: IgnoreRules) throws -> [String] {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw Failure("\(path): no such file or folder")
        }
        guard isDirectory.boolValue else { return [absolute] }
        let found = FileManager.default.enumerator(atPath: absolute)?.compactMap { $0 as? String } ?? []
        return found.filter { relative in
            let parts = relative.split(separator: "/").map(String.init)
            return !parts.dropLast().contains(where: rules.ignoresDirectory) && !rules.ignoresFile(parts.last ?? "")
        }.map { absolute + "/" + $0 }.sorted()
    }
}
