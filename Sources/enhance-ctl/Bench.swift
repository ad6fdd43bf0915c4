/// `enhance-ctl bench`: generator throughput per input size and thread count.
import ArgumentParser
import Foundation
import Neural
import SRGAN

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks: generator speed (the default) and more.",
        subcommands: [Speed.self, MemoryBench.self, ArchiveBench.self, TrainBench.self, ConvolutionBench.self, QueueBench.self],
        defaultSubcommand: Speed.self)
}

/// Median wall-clock seconds of `runs` (at least one) timed calls of `body`, after `warmUp`
/// untimed ones.
func medianSeconds(runs: Int, warmUp: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmUp { try body() }
    let times = try (0..<max(1, runs)).map { _ in
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }.sorted()
    return times[times.count / 2]
}

struct Speed: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure generator speed: seconds per output megapixel, GFLOP/s and peak memory.")

    @Option(help: "Model file (default: the installed SRGAN generator).")
    var model: String?

    @Option(parsing: .upToNextOption, help: "Low-resolution input sizes (square).")
    var sizes: [Int] = [64, 128, 256]

    @Option(parsing: .upToNextOption, help: "Thread counts to measure.")
    var threads: [Int] = [1, 2]

    @Option(help: "Timed runs per configuration (after one warm-up run); the median is reported.")
    var runs: Int = 5

    @Option(help: "Convolution algorithm for 3×3 layers: auto (Winograd where available), winograd or direct.")
    var algorithm: AlgorithmChoice = .auto

    @Option(help: "Stream images each size wide and this many rows tall through the row plan (--inference rows) instead of running size² whole: the network's rate per pixel at each width.")
    var streamedRows: Int?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    /// Multiply-adds ×2 of the published architecture per input pixel (srgan-model.md).
    static let flopPerInputPixel = 4_436_352.0

    struct Row: Codable {
        var size: Int
        var threads: Int
        var secondsPerOutputMegapixel: Double
        var medianSeconds: Double
        var effectiveGflops: Double
        var peakRSSMegabytes: Double
        var algorithm: String
    }

    /// Speed does not depend on pixel values; a fixed pattern keeps runs comparable.
    static func testPattern(count: Int) -> [Float] {
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let v: Int = (i * 37 + (i / 3) * 11) % 256
            values[i] = Float(v)
        }
        return values
    }

    /// Median seconds of the generator on one size² test pattern, after one warm-up run (which
    /// builds the plan): `bench archive` compares itself with exactly this.
    static func medianSeconds(_ generator: Generator, size: Int, runs: Int) throws -> Double {
        let input = testPattern(count: size * size * 3)
        var output = [Float](repeating: 0, count: size * size * 48)
        return try enhance_ctl.medianSeconds(runs: runs, warmUp: 1) {
            try input.withUnsafeBufferPointer { i in
                try output.withUnsafeMutableBufferPointer { o in
                    try generator.run(input: i, height: size, width: size, output: o)
                }
            }
        }
    }

    /// The same for a `width`-wide image `height` rows tall streamed through the row plan.
    static func streamedMedianSeconds(_ generator: Generator, width: Int, height: Int, runs: Int) throws -> Double {
        let input = testPattern(count: width * height * 3)
        return try enhance_ctl.medianSeconds(runs: runs, warmUp: 1) {
            var row = 0
            try generator.stream(height: height, width: width, read: { count, buffer in
                input.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress! + row * width * 3, count: count * width * 3) }
                row += count
            }, write: { _, _ in })
        }
    }

    func run() throws {
        try reportingFailures {
            let algo = algorithm.algorithm
            let path = try ModelLocator.resolve(model)
            let weights = try GeneratorWeights(.read(path: path), path: path)
            var rows: [Row] = []
            var table = TextTable(["input", "threads", "s/output MP", "median s", "GFLOP/s", "peak RSS MB"])
            for t in threads {
                let generator = try Generator(weights: weights, threads: t, algorithm: algo)
                for size in sizes {
                    ResourceUsage.resetPeak()
                    let height = streamedRows ?? size
                    let median = try streamedRows == nil ? Self.medianSeconds(generator, size: size, runs: runs)
                        : Self.streamedMedianSeconds(generator, width: size, height: height, runs: runs)
                    let outputMP = Double(size * height * 16) / 1e6
                    let row = Row(size: size, threads: t, secondsPerOutputMegapixel: median / outputMP,
                                  medianSeconds: median,
                                  effectiveGflops: Self.flopPerInputPixel * Double(size * height) / median / 1e9,
                                  peakRSSMegabytes: Double(ResourceUsage.peakResidentBytes) / 1e6,
                                  algorithm: generator.algorithm.rawValue)
                    rows.append(row)
                    table.add([streamedRows == nil ? "\(size)²→\(size * 4)²" : "\(size)×\(height) rows", "\(t)", fixed(row.secondsPerOutputMegapixel, 3),
                               fixed(median, 4), fixed(row.effectiveGflops, 0), fixed(row.peakRSSMegabytes, 0)])
                    generator.releasePlans()
                }
            }
            if !json {
                print("model: \(path) (\(algo.rawValue) 3×3 convolutions); medians of \(runs) runs")
                print(table.render())
            } else {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            }
        }
    }
}
