/// The learnable tensors of a training graph under the weight files' names, and moving them
/// between a graph and a `TensorFile`.
import Foundation
import ModelFormats
import Neural
import SRGAN

/// Every tensor a training graph saves: learnable parameters (Adam updates them) and batch-norm
/// running statistics (not learned, but part of the model). Order is fixed by the graph, so
/// optimizers and checkpoints can rely on it.
public struct ParameterSet: @unchecked Sendable {
    public struct Entry {
        public let parameter: Parameter
        /// Shape in the weight file (HWIO kernels, `[C]` vectors, `[inputs, outputs]` dense kernels).
        public let fileShape: [Int]
    }

    public private(set) var entries: [Entry] = []
    /// Running statistics: (file name, memory `[C]`).
    public private(set) var statistics: [(name: String, memory: Memory)] = []

    public init() {}

    public var parameters: [Parameter] { entries.map(\.parameter) }

    mutating func add(_ p: Parameter, shape: [Int]) { entries.append(Entry(parameter: p, fileShape: shape)) }

    mutating func add(_ conv: (weight: Parameter, bias: Parameter), kernel: Int, in ic: Int, out oc: Int) {
        add(conv.weight, shape: [kernel, kernel, ic, oc])
        add(conv.bias, shape: [oc])
    }

    mutating func add(_ bn: BatchNormParameters, channels: Int) {
        add(bn.gamma, shape: [channels])
        add(bn.beta, shape: [channels])
        statistics.append((bn.name + ".mean", bn.runningMean))
        statistics.append((bn.name + ".var", bn.runningVariance))
    }

    /// Sets every tensor from `file`; throws naming the first missing or misshapen one.
    public func load(from file: TensorFile, path: String, engine: Engine) throws {
        let reader = TensorReader(file: file, path: path)
        for e in entries { try e.parameter.store(reader.tensor(e.parameter.name, e.fileShape), engine: engine) }
        for s in statistics {
            try s.memory.store(reader.tensor(s.name, [s.memory.desc.elementCount]), from: .x, engine: engine)
        }
    }

    /// Every tensor in the weight files' layout.
    public func tensors(engine: Engine) throws -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for e in entries { out[e.parameter.name] = Tensor(shape: e.fileShape, values: try e.parameter.load(engine: engine)) }
        for s in statistics {
            out[s.name] = Tensor(shape: [s.memory.desc.elementCount], values: try s.memory.load(as: .x, engine: engine))
        }
        return out
    }

    public var parameterCount: Int { entries.reduce(0) { $0 + $1.parameter.elementCount } }

    public func zeroGradients() { for e in entries { e.parameter.zeroGradient() } }
}
