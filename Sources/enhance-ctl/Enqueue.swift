/// `enhance-ctl enqueue PATH…`: queue files (or folders' images) now, without waiting for the
/// watcher — e.g. photos outside the watched folders, or after a model change.
import ArgumentParser
import Configuration
import FolderWatch
import Foundation
import JobQueue
import ModelFormats

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
            let rules = IgnoreRules(isOwnOutput: { naming.isOutputName($0) })
            var problems = 0
            for path in try paths.flatMap({ try files(under: $0, rules: rules) }) {
                var s = stat()
                guard stat(path, &s) == 0, s.st_mode & S_IFMT == S_IFREG else {
                    FileHandle.standardError.write(Data("enhance-ctl: \(path): not a readable file\n".utf8))
                    problems += 1
                    continue
                }
                let mtime = Double(Int64(s.st_mtim.tv_sec) * 1_000_000_000 + Int64(s.st_mtim.tv_nsec)) / 1e9
                let submission = JobSubmission(sourcePath: path, sha256: try SHA256.hexDigest(ofFile: path),
                                               size: Int64(s.st_size), mtime: mtime, modelID: model.id,
                                               paramsKey: c.paramsKey)
                switch try queue.enqueue(submission) {
                case .queued(let job): print("job \(job.id): queued \(path)")
                case .known(let job): print("job \(job.id): already known (\(job.state.rawValue)) \(path)")
                case .duplicate(let job, let original):
                    print("job \(job.id): skipped \(path): same content as job \(original.id)")
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
