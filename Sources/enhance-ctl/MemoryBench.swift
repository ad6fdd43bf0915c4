/// `enhance-ctl bench memory`: peak resident memory of a real `upscale` at 1, 4 and 12 MP.
///
/// Each run is a child process (`enhance-ctl upscale` at default settings), so its peak is its
/// own — nothing of this process or of an earlier run is counted — and is read from the kernel by
/// `wait4` (ru_maxrss, the same high-water mark as VmHWM). The inputs are photographs enlarged to
/// the size asked for (from `--source`, by default the repository's coffee.jpg when it is found,
/// else a synthetic scene), written as JPEG like a camera's at every size, and at the largest
/// size also as a 16-bit TIFF and a WebP (`--kinds`), each enlarged into its own format.
import ArgumentParser
import Foundation
import Imaging

#if canImport(Glibc)
import Glibc
#endif

struct MemoryBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "Measure peak memory (and time) of upscaling 1, 4 and 12 MP photos, each in a child process.")

    @Option(parsing: .upToNextOption, help: "Input sizes in megapixels (4:3 photos).")
    var megapixels: [Double] = [1, 4, 12]

    @Option(parsing: .upToNextOption, help: "Existing photos to measure instead of generated ones.")
    var input: [String] = []

    @Option(help: "Photo to enlarge into the test inputs (default: Tests/UpscalingTests/Fixtures/coffee.jpg if present).")
    var source: String?

    @OptionGroup var modelOptions: ModelOptions

    @Option(help: "Output format of the JPEG runs: jpg, png, tif or webp.")
    var format: OutputFormatChoice = .jpg

    @Option(parsing: .upToNextOption,
            help: "Input kinds: jpg at every size; tiff16 and webp at the largest size, written back as the same format.")
    var kinds: [BenchInputKind] = BenchInputKind.allCases

    @Option(help: "Directory for inputs and outputs (default: a temporary one, removed afterwards).")
    var workDirectory: String?

    @Option(help: "Enlargement factor passed to each upscale (--scale): the network still runs at ×4, the result is resampled.")
    var scale: Double?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Row: Codable {
        var input: String
        var width: Int
        var height: Int
        var megapixels: Double
        var peakRSSMegabytes: Double
        var seconds: Double
    }

    func validate() throws {
        guard megapixels.allSatisfy({ $0 > 0 && $0 <= 100 }) else { throw ValidationError("--megapixels must be in (0, 100]") }
    }

    func run() throws {
        try reportingFailures {
            let modelPath = try modelOptions.modelPath()
            // The children use all cores, as `upscale` does, unless --threads says otherwise.
            let threadArguments = (modelOptions.threads.map { ["--threads", "\($0)"] } ?? [])
                + (scale.map { ["--scale", "\($0)"] } ?? [])
            let directory = workDirectory ?? NSTemporaryDirectory() + "enhance-bench-memory-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { if workDirectory == nil { try? FileManager.default.removeItem(atPath: directory) } }

            // (input, output extension)
            var inputs = input.map { ($0, format.rawValue) }
            if inputs.isEmpty {
                let photo = try source.map { try PixelBuffer.load(path: $0) } ?? Self.defaultSource()
                let largest = megapixels.max() ?? 0
                for mp in megapixels {
                    // 4:3, as most cameras: 12 MP is 4000 × 3000.
                    let height = Int((mp * 1e6 * 3 / 4).squareRoot().rounded())
                    let width = height * 4 / 3
                    for kind in kinds where kind == .jpg || mp == largest {
                        let ext = kind.format.preferredPathExtension
                        let path = "\(directory)/photo-\(width)x\(height)\(kind == .tiff16 ? "-16bit" : "").\(ext)"
                        try Self.enlarge(photo, width: width, height: height, kind: kind, to: path)
                        inputs.append((path, kind == .jpg ? format.rawValue : ext))
                    }
                }
            }

            let executable = try Self.ownExecutable()
            var rows: [Row] = []
            var table = TextTable(["input", "size", "MP", "output", "peak RSS MB", "seconds"])
            for (path, outputExtension) in inputs {
                let info = try ImageReader(path: path).info
                let output = "\(directory)/out-\(rows.count).\(outputExtension)"
                let (peak, seconds) = try Self.measure(executable, ["upscale", path, output, "--model", modelPath]
                                                                   + threadArguments)
                try? FileManager.default.removeItem(atPath: output)
                let row = Row(input: path, width: info.width, height: info.height,
                              megapixels: Double(info.pixelCount) / 1e6,
                              peakRSSMegabytes: Double(peak) / 1e6, seconds: seconds)
                rows.append(row)
                table.add([(path as NSString).lastPathComponent, "\(info.width)×\(info.height)",
                           fixed(row.megapixels, 1), outputExtension, fixed(row.peakRSSMegabytes, 0), fixed(seconds, 1)])
                if !json { FileHandle.standardError.write(Data("measured \(path)\n".utf8)) }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            } else {
                let changed = [modelOptions.threads.map { "--threads \($0)" }, scale.map { "--scale \($0)" }].compactMap { $0 }
                let settings = changed.isEmpty ? "default settings" : "default settings but " + changed.joined(separator: " ")
                print("enhance-ctl upscale IN OUT at \(settings), one child process per input")
                print(table.render())
            }
        }
    }

    /// The running binary, so the child is exactly this build.
    static func ownExecutable() throws -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        guard FileManager.default.isExecutableFile(atPath: path) else { throw Failure("cannot find my own executable at \(path)") }
        return path
    }

    static func defaultSource() throws -> PixelBuffer {
        let fixture = FileManager.default.currentDirectoryPath + "/Tests/UpscalingTests/Fixtures/coffee.jpg"
        if FileManager.default.fileExists(atPath: fixture) { return try PixelBuffer.load(path: fixture) }
        // A scene with smooth shading and fine texture, so the network has edges to work on.
        var image = PixelBuffer(width: 400, height: 300, channels: 3)
        for y in 0..<300 {
            for x in 0..<400 {
                let stripe: Float = (x / 8 + y / 8) % 2 == 0 ? 30 : 0
                image[x, y, 0] = 80 + Float(x) * 0.4 + stripe
                image[x, y, 1] = 60 + Float(y) * 0.5 + stripe
                image[x, y, 2] = 120 + Float((x * y) % 97) * 0.5
            }
        }
        return image
    }

    /// Bilinear enlargement of `photo` to `width` × `height` with a little deterministic grain
    /// (a camera's noise; flat interpolation would be unlike a photo), streamed row by row.
    /// 16-bit kinds get the same picture at 257× (plus grain in the low bits).
    static func enlarge(_ photo: PixelBuffer, width: Int, height: Int, kind: BenchInputKind = .jpg,
                        to path: String) throws {
        let info = ImageInfo(width: width, height: height, channels: 3, bitDepth: kind.bitDepth, format: kind.format)
        let writer = try ImageWriter(path: path, info: info, quality: 92)
        let source = photo.floatSamples(), sw = photo.width, sh = photo.height, ch = photo.channels
        var row = [Float](repeating: 0, count: width * 3)
        var seed: UInt32 = 0x1234_5678
        for y in 0..<height {
            let fy = max(0, min(Float(sh - 1), (Float(y) + 0.5) * Float(sh) / Float(height) - 0.5))
            let y0 = Int(fy), y1 = min(sh - 1, y0 + 1), ty = fy - Float(y0)
            for x in 0..<width {
                let fx = max(0, min(Float(sw - 1), (Float(x) + 0.5) * Float(sw) / Float(width) - 0.5))
                let x0 = Int(fx), x1 = min(sw - 1, x0 + 1), tx = fx - Float(x0)
                seed = seed &* 1_664_525 &+ 1_013_904_223
                let grain = Float(Int(seed >> 28) - 8)
                for c in 0..<3 {
                    let k = min(c, ch - 1)
                    let top = source[(y0 * sw + x0) * ch + k] * (1 - tx) + source[(y0 * sw + x1) * ch + k] * tx
                    let bottom = source[(y1 * sw + x0) * ch + k] * (1 - tx) + source[(y1 * sw + x1) * ch + k] * tx
                    row[x * 3 + c] = top * (1 - ty) + bottom * ty + grain
                }
            }
            try writer.writeRows(floats: row)
        }
        try writer.finish()
    }

    /// Runs a child to completion; returns its peak resident bytes and wall-clock seconds.
    static func measure(_ executable: String, _ arguments: [String]) throws -> (peak: Int, seconds: Double) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)  // no progress bar, no summary
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let start = DispatchTime.now().uptimeNanoseconds
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else { throw Failure("cannot start \(executable): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw Failure("waiting for \(executable): \(String(cString: strerror(errno)))") }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        guard status == 0 else { throw Failure("\(arguments.joined(separator: " ")) failed (status \(status))") }
        return (usage.ru_maxrss * 1024, seconds)
    }
}
