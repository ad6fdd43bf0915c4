/// `enhance-ctl bench conv`: what this machine's cores do on the network's main layer.
import ArgumentParser
import Foundation
import Neural

/// Times one 3×3 64→64 convolution (batch 1, `nChw16c`), direct and Winograd — the layer that
/// is 55 % of the generator's FLOPs, and the measurement the design notes' throughput table
/// starts from. The generator's speed is bounded by it, so this separates "the engine is slow"
/// from "the machine is slower than the one the targets were set on".
struct ConvolutionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Measure a 3×3 64→64 convolution, direct and Winograd: this machine's baseline.")

    @Option(parsing: .upToNextOption, help: "Input sizes (square).")
    var sizes: [Int] = [128, 256]

    @Option(parsing: .upToNextOption, help: "Thread counts to measure.")
    var threads: [Int] = [1, 2]

    @Option(help: "Timed runs per configuration (after two warm-up runs); the median is reported.")
    var runs: Int = 11

    func run() throws {
        try reportingFailures {
            let channels = 64
            var table = TextTable(["size", "threads", "direct GFLOP/s", "Winograd GFLOP/s (effective)"])
            for t in threads {
                let engine = try Engine(threads: t)
                for size in sizes {
                    let desc = TensorDesc([1, channels, size, size], .blocked)
                    let flop = 2.0 * Double(size * size * channels * channels * 9)
                    let algorithms: [Convolution.Algorithm] = winograd(engine) ? [.direct, .winograd] : [.direct]
                    let rates = try algorithms.map { algorithm in
                        let conv = try Convolution(engine: engine, source: desc, destination: desc, kernel: 3,
                                                   padding: 1, algorithm: algorithm)
                        let weights = try conv.makeWeights(
                            hwio: (0..<(9 * channels * channels)).map { Float($0 % 7) * 0.01 - 0.03 },
                            bias: [Float](repeating: 0, count: channels), engine: engine)
                        let x = try Memory(desc, engine: engine), y = try Memory(desc, engine: engine)
                        x.floats.update(repeating: 0.5)
                        let scratchpad = try Scratchpad(bytes: conv.scratchpadBytes, engine: engine)
                        let seconds = try medianSeconds(runs: runs, warmUp: 2) {
                            try conv.forward(x, weights, into: y, scratchpad: scratchpad)
                            try engine.wait()
                        }
                        return flop / seconds / 1e9
                    }
                    table.add(["\(size)²", "\(t)", fixed(rates[0], 0), rates.count > 1 ? fixed(rates[1], 0) : "n/a"])
                }
            }
            print("3×3 convolution 64→64, batch 1, nChw\(TensorDesc.channelBlock)c; medians of \(runs) runs")
            print(table.render())
            if !winograd(try Engine(threads: 1)) {
                print("Winograd: n/a — oneDNN 2.6 implements it for AVX-512 cores only, and this CPU has none")
            }
        }
    }

    private func winograd(_ engine: Engine) -> Bool { Convolution.winogradIsAvailable(engine: engine) }
}
