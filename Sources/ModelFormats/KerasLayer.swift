/// One layer of a Keras weights file: its name and its weights in file order.
struct KerasLayer {
    enum Kind: Equatable {
        case conv2D, dense, batchNormalization, pReLU
        /// Weights that fit none of the above; the roles are kept for the error message.
        case unrecognised

        var roles: [KerasWeight.Role] {
            switch self {
            case .conv2D, .dense: [.kernel, .bias]
            case .batchNormalization: [.gamma, .beta, .movingMean, .movingVariance]
            case .pReLU: [.alpha]
            case .unrecognised: []
            }
        }

        var description: String {
            switch self {
            case .conv2D: "a Conv2D layer (kernel, bias)"
            case .dense: "a Dense layer (kernel, bias)"
            case .batchNormalization: "a BatchNormalization layer (gamma, beta, moving_mean, moving_variance)"
            case .pReLU: "a PReLU layer (alpha)"
            case .unrecognised: "a layer of unknown kind"
            }
        }
    }

    let name: String
    let weights: [KerasWeight]

    /// Recognised by the weights a layer carries, not by its name: Keras
    /// numbers layer names per session (`conv2d_37` in the discriminator).
    var kind: Kind {
        let roles = Set(weights.map(\.role))
        guard roles.count == weights.count else { return .unrecognised }
        if roles == [.kernel, .bias], let kernel = weight(.kernel) {
            switch kernel.shape.count {
            case 4: return .conv2D
            case 2: return .dense
            default: return .unrecognised
            }
        }
        for kind in [Kind.batchNormalization, .pReLU] where roles == Set(kind.roles) {
            return kind
        }
        return .unrecognised
    }

    var kindDescription: String {
        let found = kind
        if found != .unrecognised { return found.description }
        return "a layer with weights [" + weights.map(\.name).joined(separator: ", ") + "]"
    }

    func weight(_ role: KerasWeight.Role) -> KerasWeight? {
        weights.first { $0.role == role }
    }
}
