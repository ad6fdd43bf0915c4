/// `enhance-ctl bench train`: seconds per SRGAN training step (generator, and generator plus
/// discriminator), at the reference recipe's batch and crop size; with `--degrade`, also what
/// the batch loader takes to make one batch of degraded crops, to set beside the step.
import ArgumentParser
import Degradation
import Foundation
import Neural
import SRGAN
import Training

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure seconds per training step (mse content), with and without the discriminator.")

    @Option(help: "Batch size.")
    var batch: Int = 16

    @Option(help: "High-resolution crop size (the low-resolution input is a quarter of it).")
    var crop: Int = 96

    @Option(help: "oneDNN threads.")
    var threads: Int = 2

    @Option(help: "Timed steps per configuration (after one warm-up step); the median is reported.")
    var steps: Int = 3

    @Option(help: "Convolution algorithm for the stride-1 3×3 layers of both networks: direct, winograd or auto.")
    var algorithm: AlgorithmChoice = .auto

    @Flag(help: "Measure only the generator-only step.")
    var generatorOnly = false

    @Flag(help: "Run the generator's 9×9 tail channel-blocked (3 outputs padded to 16) instead of nhwc.")
    var blockedTail = false

    @Flag(help: "Also print CPU seconds per phase of a full step (forward and backward of each network).")
    var profile = false

    @Option(help: "Also time the batch loader making one batch with these degradations (a preset or spec, as fine-tune --degrade).")
    var degrade: String?

    /// CPU seconds this process used so far (user + system): with other work on the machine, CPU
    /// time over wall time shows how much of the 2 cores the step actually got.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func validate() throws {
        guard crop >= 4, crop % 4 == 0 else { throw ValidationError("--crop must be a multiple of 4") }
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        _ = try DegradeOption.parse(degrade)
    }

    /// Median seconds the loader takes per batch of degraded crops of a 512² photo-like image
    /// (smooth gradients and texture: JPEG's cost depends on content), steps 0…`steps`.
    func loaderSeconds(_ spec: DegradationSpec) throws -> Double {
        let side = 512
        var pixels = [Float](repeating: 0, count: side * side * 3)
        for y in 0..<side { for x in 0..<side { for k in 0..<3 {
            let wave = sin(Double(x) / Double(7 + 3 * k)) * cos(Double(y) / 11) * 60
            pixels[(y * side + x) * 3 + k] = Float(128 + wave + Double((x * 31 + y * 17 + k * 7) % 23) - 11)
        } } }
        let sampler = try CropSampler(pairs: [ImagePair(path: "synthetic", hr: RGBImage(width: side, height: side, pixels: pixels))],
                                      batchSize: batch, crop: crop, seed: 1, degrader: Degrader(spec))
        var times: [Double] = []
        for step in 0...steps {
            let start = Date()
            _ = try sampler.batch(step: step)
            if step > 0 { times.append(Date().timeIntervalSince(start)) }
        }
        return times.sorted()[times.count / 2]
    }

    func run() throws {
        try reportingFailures {
            let alg = algorithm.algorithm
            let engine = try Engine(threads: threads)
            let low = crop / 4
            var rng = SystemRandomNumberGenerator()
            let lr = (0..<(batch * 3 * low * low)).map { _ in Float.random(in: 0...255, using: &rng) }
            let hr = (0..<(batch * 3 * crop * crop)).map { _ in Float.random(in: 0...255, using: &rng) }
            print("batch \(batch), \(crop)² crops (LR \(low)²), \(threads) threads, stride-1 3×3 convolutions: \(algorithm)")
            if let spec = try DegradeOption.parse(degrade) {
                print(String(format: "batch loader, --degrade %@: %.3f s per batch (median of %d; one thread, running ahead of the steps)",
                             degrade!, try loaderSeconds(spec), steps))
            }
            for withDiscriminator in generatorOnly ? [false] : [false, true] {
                let g = try TrainableGenerator(batch: batch, height: low, width: low,
                                               configuration: .init(algorithm: alg, plainTail: !blockedTail),
                                               engine: engine)
                try Self.initialise(g.parameters, engine: engine)
                var d: TrainableDiscriminator?
                if withDiscriminator {
                    d = try TrainableDiscriminator(batch: batch, configuration: .init(inputSize: crop, algorithm: alg),
                                                   engine: engine)
                    try Self.initialise(d!.parameters, engine: engine)
                }
                let slow = (g.implementations + (d?.implementations ?? [])).filter { $0.hasPrefix("ref") }
                if !slow.isEmpty { print("warning: reference kernels in use: \(slow)") }
                let step = try TrainingStep(generator: g, discriminator: d, learningRate: 1e-4)
                var times: [Double] = [], cpu = 0.0
                for run in 0...steps {
                    let (start, cpuStart) = (Date(), Self.cpuSeconds())
                    try step.run(lowResolution: lr, highResolution: hr)
                    if run > 0 {
                        times.append(Date().timeIntervalSince(start))
                        cpu += Self.cpuSeconds() - cpuStart
                    }
                }
                if profile { try Self.profile(g, d) }
                let median = times.sorted()[times.count / 2]
                let label = withDiscriminator ? "generator + discriminator" : "generator only"
                let share = cpu / times.reduce(0, +) / Double(threads)
                print(String(format: "%@: %.3f s per step (median of %d; min %.3f, max %.3f); this process got %.0f %% of %d cores",
                             label, median, times.count, times.min()!, times.max()!, 100 * share, threads))
            }
        }
    }

    /// The phases of a step one by one, in CPU seconds (robust to other load on the machine).
    static func profile(_ g: TrainableGenerator, _ d: TrainableDiscriminator?) throws {
        var phases: [(String, Double)] = []
        func time(_ label: String, _ body: () throws -> Void) rethrows {
            let start = cpuSeconds()
            try body()
            phases.append((label, cpuSeconds() - start))
        }
        try time("generator forward") { try g.forward() }
        try time("generator backward") { try g.backward() }
        if let d {
            let real = try d.makeTape(), fake = try d.makeTape()
            try time("discriminator forward ×2") { try d.forward(real); try d.forward(fake) }
            try time("discriminator backward, data only") { try d.backward(fake, weights: false, inputGradient: true) }
            try time("discriminator backward ×2, weights") {
                try d.backward(real, weights: true, inputGradient: false)
                try d.backward(fake, weights: true, accumulate: true, inputGradient: false)
            }
            let adam = try Adam(parameters: d.parameters.parameters, engine: d.engine)
            time("discriminator Adam") { adam.update() }
        }
        let adam = try Adam(parameters: g.parameters.parameters, engine: g.engine)
        time("generator Adam") { adam.update() }
        for (label, seconds) in phases { print(String(format: "  %@: %.3f CPU s", label, seconds)) }
    }

    /// Speed does not depend on the values; small random weights keep activations normal floats.
    static func initialise(_ set: ParameterSet, engine: Engine) throws {
        var rng = SystemRandomNumberGenerator()
        for e in set.entries {
            let p = e.parameter
            let name = p.name
            let values: [Float] = (0..<p.elementCount).map { _ in
                if name.hasSuffix(".gamma") { return 1 }
                if name.hasSuffix(".alpha") { return 0.2 }
                if name.hasSuffix(".beta") || name.hasSuffix(".bias") { return 0 }
                return Float.random(in: -0.05...0.05, using: &rng)
            }
            try p.store(values, engine: engine)
        }
    }
}
