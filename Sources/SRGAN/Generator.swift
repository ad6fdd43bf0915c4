/// The SRGAN ×4 generator: weights plus a small cache of per-size plans.
import Common
import Foundation
import ModelFormats
import Neural

/// Runs the pretrained generator on RGB float images.
///
/// Plans are built per input size (primitive creation costs tens of milliseconds) and kept across
/// photos — a worker's generator lives from job to job, so photos whose tiles have the same
/// size share one. Tiled inference gives every tile of a photo the same size (`TileAxis`), so
/// a photo needs one plan. The cache holds the most recent `maxPlans`, and no more plan pixels
/// than `planBudgetPixels` beyond the newest plan: a plan's memory grows with its pixels, and a
/// photo of default-size tiles must not carry the plans of the small photos before it (the peak
/// `bench memory` measures for one photo would no longer hold in the daemon). Not thread-safe:
/// one generator per worker.
public final class Generator: @unchecked Sendable {
    public static let scale = 4

    public let weights: GeneratorWeights
    public let engine: Engine
    public let algorithm: Convolution.Algorithm
    private let splitTail: ConvParameters
    /// Least recently used first.
    private var plans: [GeneratorPlan] = []
    private let maxPlans = 3
    /// Input pixels (H·W summed over the cached plans) kept besides the newest plan.
    public let planBudgetPixels: Int
    /// A default tile's pixels: one such plan, or several smaller ones.
    public static let defaultPlanBudgetPixels = Defaults.tile * Defaults.tile
    /// How `run` found its plan since this generator was made: cached (a hit) or built (a miss,
    /// which took `planCreationNanoseconds` in all). Read by the bench and the stage clock.
    public private(set) var planHits = 0
    public private(set) var planMisses = 0
    public private(set) var planCreationNanoseconds: UInt64 = 0

    public init(weights: GeneratorWeights, threads: Int, algorithm: Convolution.Algorithm = .auto,
                planBudgetPixels: Int = Generator.defaultPlanBudgetPixels) throws {
        self.weights = weights
        self.planBudgetPixels = planBudgetPixels
        self.engine = try Engine(threads: threads)
        self.algorithm = algorithm
        self.splitTail = TailSplitting.split(weights.tail)
    }

    /// Loads a generator from a weight file in our safetensors format.
    public convenience init(contentsOf path: String, threads: Int, algorithm: Convolution.Algorithm = .auto,
                            planBudgetPixels: Int = Generator.defaultPlanBudgetPixels) throws {
        let file = try TensorFile.read(path: path)
        try self.init(weights: GeneratorWeights(file, path: path), threads: threads, algorithm: algorithm,
                      planBudgetPixels: planBudgetPixels)
    }

    /// The plan for streaming images of one width (`StreamingPlan`): only the latest width is
    /// kept, as its rows for a wide photo are the most a worker holds.
    private var streamingPlan: StreamingPlan?

    func streamingPlan(width: Int) throws -> StreamingPlan {
        if let plan = streamingPlan, plan.width == width {
            planHits += 1
            return plan
        }
        streamingPlan = nil
        let start = DispatchTime.now().uptimeNanoseconds
        let plan = try StreamingPlan(weights: weights, splitTail: splitTail, width: width, engine: engine,
                                     algorithm: algorithm)
        planCreationNanoseconds += DispatchTime.now().uptimeNanoseconds - start
        planMisses += 1
        streamingPlan = plan
        return plan
    }

    /// Upscales an image `height` rows tall and `width` wide streamed through the network row by
    /// row (see `StreamingPlan`): the same result as `run` on the whole image, in memory set by
    /// the width alone. `read(n, buffer)` fills the next n input rows (n·width·3 floats, 0…255);
    /// `write(n, buffer)` takes the next n output rows (n·4·width·3 floats, unclipped).
    public func stream(height: Int, width: Int, read: (Int, UnsafeMutablePointer<Float>) throws -> Void,
                       write: (Int, UnsafePointer<Float>) throws -> Void,
                       progress: (Double) -> Void = { _ in }) throws {
        try streamingPlan(width: width).run(height: height, read: read, write: write, progress: progress)
    }

    /// Activation and scratch bytes the streaming plan for this width holds.
    public func streamingActivationBytes(width: Int) throws -> Int { try streamingPlan(width: width).activationBytes }

    /// The oneDNN implementation behind each layer of the streaming plan for this width.
    public func streamingImplementations(width: Int) throws -> [(layer: String, implementation: String)] {
        try streamingPlan(width: width).implementations
    }

    func plan(height: Int, width: Int) throws -> GeneratorPlan {
        if let index = plans.firstIndex(where: { $0.height == height && $0.width == width }) {
            let plan = plans.remove(at: index)
            plans.append(plan)
            planHits += 1
            return plan
        }
        // Room for the new plan first: its memory is allocated while the old plans still exist.
        let pixels = height * width
        while !plans.isEmpty && (plans.count >= maxPlans
                                 || plans.reduce(pixels, { $0 + $1.height * $1.width }) > max(planBudgetPixels, pixels)) {
            plans.removeFirst()
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let plan = try GeneratorPlan(weights: weights, splitTail: splitTail, height: height, width: width,
                                     engine: engine, algorithm: algorithm)
        planCreationNanoseconds += DispatchTime.now().uptimeNanoseconds - start
        planMisses += 1
        plans.append(plan)
        return plan
    }

    /// Upscales `input` (height×width×3 floats, 0…255, row-major RGB) into `output`
    /// (4·height × 4·width × 3 floats, same scale, unclipped). `progress` gets the fraction done
    /// as the layers run (by their share of the work), so a single large tile reports progress too.
    public func run(input: UnsafeBufferPointer<Float>, height: Int, width: Int,
                    output: UnsafeMutableBufferPointer<Float>, progress: (Double) -> Void = { _ in }) throws {
        precondition(input.count >= height * width * 3, "input too small")
        precondition(output.count >= height * width * 48, "output too small")
        try plan(height: height, width: width).run(input: input.baseAddress!, output: output.baseAddress!,
                                                   progress: progress)
    }

    /// Convenience: allocates and returns the output.
    public func run(_ input: [Float], height: Int, width: Int) throws -> [Float] {
        var output = [Float](repeating: 0, count: height * width * 48)
        try input.withUnsafeBufferPointer { i in
            try output.withUnsafeMutableBufferPointer { o in
                try run(input: i, height: height, width: width, output: o)
            }
        }
        return output
    }

    /// The oneDNN implementation behind each layer for an input of this size (a `ref:` entry
    /// means a silent fall-back to slow reference code).
    public func implementations(height: Int, width: Int) throws -> [(layer: String, implementation: String)] {
        try plan(height: height, width: width).implementations
    }

    /// Activation and scratch bytes a plan of this size holds.
    public func activationBytes(height: Int, width: Int) throws -> Int {
        try plan(height: height, width: width).activationBytes
    }

    /// How many plans the cache holds now.
    public var cachedPlanCount: Int { plans.count }

    /// Drops cached plans (and their memory).
    public func releasePlans() {
        plans.removeAll()
        streamingPlan = nil
    }
}
