/// Reading named tensors of an expected shape out of a weight file.
import ModelFormats

/// Typed access to a weight file's tensors, with the file named in every error.
///
/// Public because the training graphs (module `Training`) load the same files the same way.
public struct TensorReader: Sendable {
    public let file: TensorFile
    public let path: String
    /// Added to "missing tensor" errors, e.g. what kind of file was expected.
    public var hint = ""

    public init(file: TensorFile, path: String, hint: String = "") {
        (self.file, self.path, self.hint) = (file, path, hint)
    }

    public func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
        guard let t = file.tensors[name] else {
            throw ModelFormatError(.layoutMismatch, file: path, "missing tensor \(name)\(hint)")
        }
        guard t.shape == shape else {
            throw ModelFormatError(.layoutMismatch, file: path, "tensor \(name): expected shape \(shape), found \(t.shape)")
        }
        return t.values
    }

    public func vector(_ name: String, _ count: Int) throws -> [Float] { try tensor(name, [count]) }

    /// A convolution, with the batch norm that follows it (if named) folded in:
    /// `gamma · (conv(x) + b − mean) / sqrt(var + ε) + beta` is again a convolution, with each
    /// output channel's kernel scaled by `gamma / sqrt(var + ε)`. Folding runs in Double so the
    /// folded weights round once.
    public func conv(_ name: String, kernel k: Int, in ic: Int, out oc: Int, batchNorm: String? = nil) throws -> ConvParameters {
        var weights = try tensor("\(name).weight", [k, k, ic, oc])
        var bias = try vector("\(name).bias", oc)
        if let bn = batchNorm {
            let gamma = try vector("\(bn).gamma", oc), beta = try vector("\(bn).beta", oc)
            let mean = try vector("\(bn).mean", oc), variance = try vector("\(bn).var", oc)
            let scale = (0..<oc).map { Double(gamma[$0]) / (Double(variance[$0]) + GeneratorWeights.batchNormEpsilon).squareRoot() }
            for i in weights.indices { weights[i] = Float(Double(weights[i]) * scale[i % oc]) }
            for o in 0..<oc { bias[o] = Float((Double(bias[o]) - Double(mean[o])) * scale[o] + Double(beta[o])) }
        }
        return ConvParameters(kernel: k, inChannels: ic, outChannels: oc, weights: weights, bias: bias)
    }
}
