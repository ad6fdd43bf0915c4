/// One weight dataset of a Keras layer: its path in the layer group, what it
/// is for, and its shape as stored.
struct KerasWeight {
    enum Role: Hashable {
        case kernel, bias, alpha, gamma, beta, movingMean, movingVariance
        case other(String)

        /// `conv2d/kernel:0` (Keras 2) and `block1_conv1_W_1:0` (the Keras 1-era
        /// naming still inside the published VGG19 weights) both name a kernel.
        init(weightName: String) {
            var last = Substring(weightName.split(separator: "/").last ?? "")
            if let colon = last.lastIndex(of: ":"), last[last.index(after: colon)...].allSatisfy(\.isNumber) {
                last = last[..<colon]
            }
            switch last {
            case "kernel": self = .kernel
            case "bias": self = .bias
            case "alpha": self = .alpha
            case "gamma": self = .gamma
            case "beta": self = .beta
            case "moving_mean": self = .movingMean
            case "moving_variance": self = .movingVariance
            default:
                var stem = last
                if let underscore = stem.lastIndex(of: "_"), stem[stem.index(after: underscore)...].allSatisfy(\.isNumber),
                   stem.index(after: underscore) < stem.endIndex {
                    stem = stem[..<underscore]
                }
                if stem.hasSuffix("_W") {
                    self = .kernel
                } else if stem.hasSuffix("_b") {
                    self = .bias
                } else {
                    self = .other(String(last))
                }
            }
        }

        var kerasName: String {
            switch self {
            case .kernel: "kernel"
            case .bias: "bias"
            case .alpha: "alpha"
            case .gamma: "gamma"
            case .beta: "beta"
            case .movingMean: "moving_mean"
            case .movingVariance: "moving_variance"
            case .other(let name): name
            }
        }
    }

    let name: String
    let role: Role
    let shape: [Int]
}
