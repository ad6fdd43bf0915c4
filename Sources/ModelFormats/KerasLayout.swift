/// What we expect inside the Keras files of each architecture we import, layer
/// by layer (only layers that carry weights; Input, Lambda, Add, Flatten and
/// LeakyReLU have none), and the semantic tensor names each layer becomes.
/// Shapes are as Keras stores them: conv kernels HWIO, dense kernels
/// [in, out], PReLU alpha (1, 1, C) because the reference shares it over H and W.
struct KerasLayout {
    struct Layer {
        /// Our name for the layer; its tensors are `<prefix>.<suffix>`.
        let prefix: String
        let kind: KerasLayer.Kind
        let shapes: [KerasWeight.Role: [Int]]
        /// Set where the Keras name is canonical (VGG19) and worth checking.
        let kerasName: String?

        init(_ prefix: String, _ kind: KerasLayer.Kind, _ shapes: [KerasWeight.Role: [Int]], kerasName: String? = nil) {
            self.prefix = prefix
            self.kind = kind
            self.shapes = shapes
            self.kerasName = kerasName
        }
    }

    let architecture: ModelArchitecture
    let layers: [Layer]
    /// Metadata specific to the architecture, added to the common keys.
    let metadata: [String: String]

    /// The tensor name a weight becomes: kernels are `weight` as in most
    /// frameworks, BatchNorm statistics get short names (`mean`, `var`).
    static func tensorSuffix(for role: KerasWeight.Role) -> String {
        switch role {
        case .kernel: "weight"
        case .bias: "bias"
        case .alpha: "alpha"
        case .gamma: "gamma"
        case .beta: "beta"
        case .movingMean: "mean"
        case .movingVariance: "var"
        case .other(let name): name
        }
    }

    /// The shape we store: PReLU alpha loses its two shared unit axes.
    static func storedShape(for role: KerasWeight.Role, kerasShape: [Int]) -> [Int] {
        role == .alpha ? [kerasShape.last ?? 0] : kerasShape
    }

    /// Chooses the layout a file claims to be, from features no other known
    /// network has; the full comparison afterwards says what does not fit.
    static func detect(_ layers: [KerasLayer]) -> KerasLayout? {
        if layers.contains(where: { $0.name == "block1_conv1" }) { return vgg19Features }
        let kinds = layers.map(\.kind)
        if kinds.contains(.pReLU) { return srganGenerator }
        if kinds.contains(.dense) { return srganDiscriminator }
        return nil
    }

    static let residualBlocks = 16
    static let generatorFilters = 64

    static var srganGenerator: KerasLayout {
        let f = generatorFilters
        var layers = [conv("head.conv", 9, 3, f), prelu("head.prelu", f)]
        for block in 0..<residualBlocks {
            layers += [
                conv("res.\(block).conv1", 3, f, f), batchNorm("res.\(block).bn1", f), prelu("res.\(block).prelu", f),
                conv("res.\(block).conv2", 3, f, f), batchNorm("res.\(block).bn2", f),
            ]
        }
        layers += [conv("trunk.conv", 3, f, f), batchNorm("trunk.bn", f)]
        for stage in 0..<2 {
            // Conv to 4·64 channels, depth_to_space(2) back to 64, then PReLU on those 64.
            layers += [conv("up.\(stage).conv", 3, f, 4 * f), prelu("up.\(stage).prelu", f)]
        }
        layers.append(conv("tail.conv", 9, f, 3))
        return KerasLayout(architecture: .srganGenerator, layers: layers, metadata: ["scale": "4"])
    }

    static var srganDiscriminator: KerasLayout {
        let filters = [64, 64, 128, 128, 256, 256, 512, 512]
        var layers: [Layer] = []
        var inputChannels = 3
        for (block, outputChannels) in filters.enumerated() {
            layers.append(conv("block.\(block).conv", 3, inputChannels, outputChannels))
            if block > 0 { layers.append(batchNorm("block.\(block).bn", outputChannels)) }
            inputChannels = outputChannels
        }
        // 96×96 input halved by four stride-2 blocks: 6×6×512, flattened by
        // Keras in NHWC order, which the dense kernel's rows follow.
        let flattened = 6 * 6 * 512
        layers += [dense("dense1", flattened, 1024), dense("dense2", 1024, 1)]
        return KerasLayout(architecture: .srganDiscriminator, layers: layers,
                           metadata: ["flatten_order": "HWC", "input_size": "96"])
    }

    static var vgg19Features: KerasLayout {
        let blocks: [(convs: Int, channels: Int)] = [(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)]
        var layers: [Layer] = []
        var inputChannels = 3
        for (index, block) in blocks.enumerated() {
            for convIndex in 1...block.convs {
                let name = "block\(index + 1)_conv\(convIndex)"
                layers.append(Layer(name, .conv2D, [.kernel: [3, 3, inputChannels, block.channels], .bias: [block.channels]],
                                    kerasName: name))
                inputChannels = block.channels
            }
        }
        return KerasLayout(architecture: .vgg19Features, layers: layers, metadata: [:])
    }

    private static func conv(_ prefix: String, _ size: Int, _ input: Int, _ output: Int) -> Layer {
        Layer(prefix, .conv2D, [.kernel: [size, size, input, output], .bias: [output]])
    }

    private static func dense(_ prefix: String, _ input: Int, _ output: Int) -> Layer {
        Layer(prefix, .dense, [.kernel: [input, output], .bias: [output]])
    }

    private static func batchNorm(_ prefix: String, _ channels: Int) -> Layer {
        Layer(prefix, .batchNormalization, [.gamma: [channels], .beta: [channels], .movingMean: [channels], .movingVariance: [channels]])
    }

    private static func prelu(_ prefix: String, _ channels: Int) -> Layer {
        Layer(prefix, .pReLU, [.alpha: [1, 1, channels]])
    }
}
