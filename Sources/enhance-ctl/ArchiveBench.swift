/// `enhance-ctl bench archive`: seconds per output megapixel on a mixed archive, through the
/// daemon's own path, against `bench speed`'s 256² figure measured in the same run.
///
/// Every photo goes the way a watched file goes: the intake hashes and enqueues it in a real
/// SQLite queue, it is claimed, opened as a `SecureFile`, checked against its hash, and
/// enhanced by `JobPipeline` (estimate, decode, network, blending, encode, sidecar, fsync), then
/// completed. One generator serves every photo, as one worker's does, so plans stay warm across
/// photos exactly as they would in the daemon.
import ArgumentParser
import Common
import Configuration
import Foundation
import FolderWatch
import Intake
import JobQueue
import Metadata
import SRGAN
import Storage
import Upscaling

struct ArchiveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Measure seconds per output megapixel on a generated mixed archive, through the daemon's path.")

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Seed of the generated set: the same seed gives the same files.")
    var seed: UInt64 = 15

    @Option(help: "Number of photos.")
    var count: Int = 10

    @Option(help: "Largest photo in megapixels (the smallest is 0.03); 12 for a full camera range.")
    var maxMegapixels: Double = 2

    @Option(help: "rows (the daemon's default: whole-image inference streamed in rows) or tiles, to compare the two in one session.")
    var inference: Inference = .rows

    @Option(help: "Tile side in input pixels (default: the daemon's), to compare tile geometries in one session.")
    var tile: Int = Defaults.tile

    @Option(help: "Tile overlap in input pixels (default: the daemon's).")
    var overlap: Int = Defaults.overlap

    @Option(help: "Timed runs of the 256² speed measurement (median), taken before the archive and again after it.")
    var speedRuns: Int = 3

    @Option(help: "Write the set into this directory and stop (to time the daemon on it).")
    var writeSet: String?

    @Option(help: "Directory for the set, queue and outputs (default: a temporary one, removed afterwards).")
    var workDirectory: String?

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard maxMegapixels >= ArchiveSet.smallestMegapixels && maxMegapixels <= 100 else {
            throw ValidationError("--max-megapixels must be in [\(ArchiveSet.smallestMegapixels), 100]")
        }
        guard Defaults.tileRange.contains(tile) else {
            throw ValidationError("--tile must be between \(Defaults.tileRange.lowerBound) and \(Defaults.tileRange.upperBound)")
        }
        guard Defaults.overlapRange(tile: tile).contains(overlap) else {
            throw ValidationError("--overlap must be between 0 and \(Defaults.overlapRange(tile: tile).upperBound) with tile \(tile)")
        }
        guard speedRuns >= 1 else { throw ValidationError("--speed-runs must be at least 1") }
    }

    struct PhotoRow: Codable {
        var name: String
        var width: Int
        var height: Int
        var format: String
        var channels: Int
        var bitDepth: Int
        var outputMegapixels: Double
        var seconds: Double
        var secondsPerOutputMegapixel: Double
        var sizeClass: String
    }

    struct ClassRow: Codable {
        var sizeClass: String
        var photos: Int
        var outputMegapixels: Double
        var secondsPerOutputMegapixel: Double
    }

    struct Report: Codable {
        var seed: UInt64
        var threads: Int
        var inference: String
        var tile: Int
        var overlap: Int
        var photos: [PhotoRow]
        var sizeClasses: [ClassRow]
        /// Seconds per stage, and each stage's share of the total.
        var stageSeconds: [String: Double]
        var stageShares: [String: Double]
        var planHits: Int
        var planMisses: Int
        var totalSeconds: Double
        var outputMegapixels: Double
        var secondsPerOutputMegapixel: Double
        /// The mean of `speedBeforeAndAfter`.
        var speedSecondsPerOutputMegapixel: Double
        var speedBeforeAndAfter: [Double] = []
        /// Archive s/MP over speed s/MP: 1 would be the benchmark's rate on real photos.
        var ratioToSpeed: Double
        /// The 1-minute load average before and after: other work on the machine skews every
        /// figure above, and this says how much there was.
        var loadAverage: [Double]
    }

    static func loadAverage() -> Double {
        var load = [0.0]
        return getloadavg(&load, 1) == 1 ? load[0] : 0
    }

    /// Input megapixels, so a class means the same whatever the output size.
    static func sizeClass(megapixels: Double) -> String {
        switch megapixels {
        case ..<0.25: "< 0.25 MP"
        case ..<1: "0.25–1 MP"
        case ..<4: "1–4 MP"
        default: "≥ 4 MP"
        }
    }
    static let classOrder = ["< 0.25 MP", "0.25–1 MP", "1–4 MP", "≥ 4 MP"]

    func run() throws {
        try reportingFailures {
            let set = ArchiveSet(seed: seed, count: count, maxMegapixels: maxMegapixels)
            if let writeSet {
                try set.write(to: writeSet, seed: seed)
                let megapixels = set.photos.reduce(0) { $0 + $1.megapixels * 16 }
                print("wrote \(set.photos.count) photos (\(fixed(megapixels, 1)) output MP) to \(writeSet)")
                return
            }
            let directory = workDirectory ?? NSTemporaryDirectory() + "enhance-bench-archive-\(getpid())"
            defer { if workDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }
            let photos = directory + "/photos", outputs = directory + "/enhanced"
            try set.write(to: photos, seed: seed)
            try FileManager.default.createDirectory(atPath: outputs, withIntermediateDirectories: true)
            if !json { FileHandle.standardError.write(Data("wrote \(set.photos.count) photos to \(photos)\n".utf8)) }

            let modelPath = try modelOptions.modelPath()
            let weights = try GeneratorWeights(.read(path: modelPath), path: modelPath)
            let threads = modelOptions.threadCount
            // Before and after: the machine's rate drifts over minutes (a shared host's neighbours),
            // and the ratio should not rest on one moment of it.
            let speedBefore = try Self.speedSecondsPerMegapixel(weights, threads: threads, runs: speedRuns)
            var report = try measure(set, photos: photos, outputs: outputs, directory: directory,
                                     generator: Generator(weights: weights, threads: threads),
                                     modelPath: modelPath, threads: threads, speed: speedBefore)
            let speedAfter = try Self.speedSecondsPerMegapixel(weights, threads: threads, runs: speedRuns)
            report.speedBeforeAndAfter = [speedBefore, speedAfter]
            report.speedSecondsPerOutputMegapixel = (speedBefore + speedAfter) / 2
            report.ratioToSpeed = report.secondsPerOutputMegapixel / report.speedSecondsPerOutputMegapixel
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(Self.render(report))
            }
        }
    }

    /// `bench speed --sizes 256 --threads N`'s figure, with a generator of its own.
    static func speedSecondsPerMegapixel(_ weights: GeneratorWeights, threads: Int, runs: Int) throws -> Double {
        let generator = try Generator(weights: weights, threads: threads)
        return try Speed.medianSeconds(generator, size: 256, runs: runs) / (Double(256 * 256 * 16) / 1e6)
    }

    private func measure(_ set: ArchiveSet, photos: String, outputs: String, directory: String,
                         generator: Generator, modelPath: String, threads: Int, speed: Double) throws -> Report {
        let clock = StageClock()
        let queue = try JobQueue(path: directory + "/queue.sqlite")
        let intake = SourceIntake(queue: queue, modelID: "bench", paramsKey: "bench", rules: IgnoreRules())
        let owner = "bench/w0"
        var rows: [PhotoRow] = []
        let loadBefore = Self.loadAverage()
        let start = DispatchTime.now().uptimeNanoseconds
        for photo in set.photos {
            let jobStart = DispatchTime.now().uptimeNanoseconds
            let source = photos + "/" + photo.name
            _ = try clock.measure(.queue) { try intake.submit(source) }
            guard let job = try clock.measure(.queue, { try queue.claim(owner: owner, lease: 3600) }) else {
                throw Failure("\(source): the queue did not hand out the job it was given")
            }
            let outputPath = outputs + "/" + (photo.name as NSString).deletingPathExtension + ".x4." + photo.format
            let file = try clock.measure(.queue) { () throws in
                try queue.reserveOutput(id: job.id, owner: owner, outputPath: outputPath)
                return try SecureFile.open(path: source, under: photos)
            }
            try file.verify(size: job.size, mtimeSeconds: job.mtime)
            try JobPipeline.verifyContent(file, sha256: job.sha256, clock: clock)
            var options = UpscaleOptions()
            options.inference = inference
            options.tile = tile
            options.overlap = overlap
            options.clock = clock
            options.provenance = Provenance(sourcePath: source, sourceSHA256: job.sha256, when: Date(),
                                            softwareAgent: "enhance-ctl bench archive \(Product.version)",
                                            modelName: (modelPath as NSString).lastPathComponent,
                                            modelSHA256: "", scale: Generator.scale,
                                            tile: options.tile, overlap: options.overlap)
            // The daemon's defaults: one model (no degraded route configured) and `model.deblock`'s.
            let outcome = try JobPipeline.enhance(file, source: source, outputPath: outputPath,
                                                  sidecarPath: outputPath + ".xmp", maxPixels: Defaults.maxInputPixels,
                                                  options: options) { estimate in
                JobPipeline.Network(generator: generator, modelName: (modelPath as NSString).lastPathComponent,
                                    modelSHA256: "",
                                    deblock: Deblocking().applies(isJPEG: estimate?.isJPEG ?? false,
                                                                  jpegQuality: estimate?.jpegQuality))
            }
            let output = outcome.result.output
            let pixels = Int64(output.width * output.height)
            _ = try clock.measure(.queue) {
                try queue.complete(id: job.id, owner: owner, outputPath: outputPath, elapsed: outcome.result.seconds,
                                   outputPixels: pixels, jpegQuality: outcome.estimate?.jpegQuality,
                                   noiseSigma: outcome.estimate?.noiseSigma, warning: nil)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - jobStart) / 1e9
            let megapixels = Double(pixels) / 1e6
            rows.append(PhotoRow(name: photo.name, width: photo.width, height: photo.height, format: photo.format,
                                 channels: photo.channels, bitDepth: photo.bitDepth, outputMegapixels: megapixels,
                                 seconds: seconds, secondsPerOutputMegapixel: seconds / megapixels,
                                 sizeClass: Self.sizeClass(megapixels: photo.megapixels)))
            if !json { FileHandle.standardError.write(Data("\(photo.name): \(fixed(seconds, 2)) s\n".utf8)) }
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let megapixels = rows.reduce(0) { $0 + $1.outputMegapixels }
        let classes = Self.classOrder.compactMap { name -> ClassRow? in
            let members = rows.filter { $0.sizeClass == name }
            guard !members.isEmpty else { return nil }
            let mp = members.reduce(0) { $0 + $1.outputMegapixels }
            return ClassRow(sizeClass: name, photos: members.count, outputMegapixels: mp,
                            secondsPerOutputMegapixel: members.reduce(0) { $0 + $1.seconds } / mp)
        }
        var stageSeconds = Dictionary(uniqueKeysWithValues: StageClock.Stage.allCases.map { ($0.rawValue, clock.seconds($0)) })
        // What no stage claims: the loop itself, opening files, building options.
        stageSeconds["other"] = max(0, total - clock.totalSeconds)
        return Report(seed: seed, threads: threads, inference: inference.rawValue, tile: tile, overlap: overlap, photos: rows, sizeClasses: classes, stageSeconds: stageSeconds,
                      stageShares: stageSeconds.mapValues { $0 / total }, planHits: clock.planHits,
                      planMisses: clock.planMisses, totalSeconds: total, outputMegapixels: megapixels,
                      secondsPerOutputMegapixel: total / megapixels, speedSecondsPerOutputMegapixel: speed,
                      ratioToSpeed: total / megapixels / speed, loadAverage: [loadBefore, Self.loadAverage()])
    }

    static func render(_ report: Report) -> String {
        var photos = TextTable(["photo", "size", "kind", "output MP", "s", "s/output MP"])
        for row in report.photos {
            let kind = "\(row.format) \(row.channels == 4 ? "RGBA" : "RGB") \(row.bitDepth)-bit"
            photos.add([row.name, "\(row.width)×\(row.height)", kind, fixed(row.outputMegapixels, 2),
                        fixed(row.seconds, 2), fixed(row.secondsPerOutputMegapixel, 3)])
        }
        var classes = TextTable(["input size", "photos", "output MP", "s/output MP"])
        for row in report.sizeClasses {
            classes.add([row.sizeClass, "\(row.photos)", fixed(row.outputMegapixels, 1), fixed(row.secondsPerOutputMegapixel, 3)])
        }
        var stages = TextTable(["stage", "s", "share"])
        for stage in StageClock.Stage.allCases.map(\.rawValue) + ["other"] {
            let seconds = report.stageSeconds[stage] ?? 0
            stages.add([stage, fixed(seconds, 2), fixed(100 * (report.stageShares[stage] ?? 0), 1) + " %"])
        }
        return """
            \(photos.render())

            \(classes.render())

            \(stages.render())

            plans: \(report.planHits) hits, \(report.planMisses) misses
            archive: \(fixed(report.secondsPerOutputMegapixel, 3)) s/output MP over \(fixed(report.outputMegapixels, 1)) output MP (\(fixed(report.totalSeconds, 1)) s, \(report.threads) threads, \(report.inference == Inference.rows.rawValue ? "rows (images over tile \(report.tile))" : "tile \(report.tile) overlap \(report.overlap)"))
            bench speed 256²: \(fixed(report.speedSecondsPerOutputMegapixel, 3)) s/output MP (\(report.speedBeforeAndAfter.map { fixed($0, 3) }.joined(separator: " before, ")) after); ratio \(fixed(report.ratioToSpeed, 3))×
            load average: \(fixed(report.loadAverage[0], 1)) before, \(fixed(report.loadAverage[1], 1)) after
            """
    }
}
