/// Converts the Keras 2 `.h5` weight files the SRGAN reference publishes into
/// our `TensorFile`, with semantic tensor names (`res.3.bn1.gamma`) in place of
/// Keras's session-numbered ones (`batch_normalization_v1_6/gamma:0`), so the
/// rest of enhance never depends on how Keras happened to number layers.
///
/// The file is read through libhdf5 only. The architecture is recognised from
/// the layers that carry weights and then checked layer by layer, weight by
/// weight, shape by shape; anything that does not fit is refused with a
/// `ModelFormatError` that says which layer and what was expected.
///
/// Metadata of every import: `format` ("enhance-weights/1"), `architecture`
/// (a `ModelArchitecture` raw value), `kernel_layout` ("HWIO"), `source_file`,
/// `source_sha256`, `parameters` (every stored value, BatchNorm moving
/// statistics included, as Keras's "Total params" counts them), and
/// `source_keras_version` when the file records one. Generators add
/// `scale` ("4"); the discriminator adds `flatten_order` ("HWC") and `input_size` ("96").
import Hashing

public enum KerasImporter {
    public static let formatIdentifier = "enhance-weights/1"

    public static func importFile(path: String) throws -> TensorFile {
        let (layout, tensors, kerasVersion) = try HDF5Library.locked {
            let file = try KerasWeightsFile(path: path)
            let weighted = file.layers.filter { !$0.weights.isEmpty }
            guard let layout = KerasLayout.detect(weighted) else {
                throw ModelFormatError(.unknownLayout, file: path,
                    "a Keras weights file, but not a network enhance knows: \(summary(of: weighted)); expected one of "
                        + ModelArchitecture.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let pairs = try match(layout, weighted, file: path)
            var tensors: [String: Tensor] = [:]
            for (expected, layer) in pairs {
                for role in expected.kind.roles {
                    let weight = layer.weight(role)!
                    let values = try file.values(of: weight, in: layer)
                    let shape = KerasLayout.storedShape(for: role, kerasShape: weight.shape)
                    tensors["\(expected.prefix).\(KerasLayout.tensorSuffix(for: role))"] = Tensor(shape: shape, values: values)
                }
            }
            return (layout, tensors, file.kerasVersion)
        }

        let result = TensorFile(metadata: [:], tensors: tensors)
        var metadata = layout.metadata
        metadata["format"] = formatIdentifier
        metadata["architecture"] = layout.architecture.rawValue
        metadata["kernel_layout"] = "HWIO"
        metadata["source_file"] = path.split(separator: "/").last.map(String.init) ?? path
        metadata["source_sha256"] = try SHA256.hexDigest(ofFile: path)
        metadata["parameters"] = String(result.parameterCount)
        if let kerasVersion { metadata["source_keras_version"] = kerasVersion }
        return TensorFile(metadata: metadata, tensors: tensors)
    }

    /// Pairs expected layers with the file's layers in order, or says where they part.
    private static func match(_ layout: KerasLayout, _ layers: [KerasLayer], file: String) throws -> [(KerasLayout.Layer, KerasLayer)] {
        let architecture = layout.architecture.rawValue
        func mismatch(_ detail: String) -> ModelFormatError {
            ModelFormatError(.layoutMismatch, file: file, "does not match \(architecture): \(detail)")
        }
        var pairs: [(KerasLayout.Layer, KerasLayer)] = []
        for (index, expected) in layout.layers.enumerated() {
            guard index < layers.count else {
                throw mismatch("the file has \(layers.count) layers with weights, \(architecture) has \(layout.layers.count); "
                    + "first missing: \(expected.prefix), \(expected.kind.description)")
            }
            let layer = layers[index]
            if let kerasName = expected.kerasName, layer.name != kerasName {
                throw mismatch("layer \(layer.name) is where \(kerasName) (\(expected.prefix)) should be")
            }
            guard layer.kind == expected.kind else {
                throw mismatch("layer \(layer.name): expected \(expected.kind.description) for \(expected.prefix), found \(layer.kindDescription)")
            }
            for role in expected.kind.roles {
                let want = expected.shapes[role]!
                let found = layer.weight(role)!.shape
                guard found == want else {
                    throw mismatch("layer \(layer.name) (\(expected.prefix)): expected \(role.kerasName) \(want.shapeDescription), found \(found.shapeDescription)")
                }
            }
            pairs.append((expected, layer))
        }
        if layers.count > layout.layers.count {
            let extra = layers[layout.layers.count]
            throw mismatch("unexpected layer \(extra.name) (\(extra.kindDescription)) after the \(layout.layers.count) layers with weights of \(architecture)")
        }
        return pairs
    }

    private static func summary(of layers: [KerasLayer]) -> String {
        guard !layers.isEmpty else { return "it has no layers with weights" }
        var order: [String] = []
        var counts: [String: Int] = [:]
        for layer in layers {
            let name: String = switch layer.kind {
            case .conv2D: "Conv2D"
            case .dense: "Dense"
            case .batchNormalization: "BatchNormalization"
            case .pReLU: "PReLU"
            case .unrecognised: "other"
            }
            if counts[name] == nil { order.append(name) }
            counts[name, default: 0] += 1
        }
        let kinds = order.map { "\(counts[$0]!) × \($0)" }.joined(separator: ", ")
        return "\(layers.count) layers with weights (\(kinds), first \(layers.first!.name), last \(layers.last!.name))"
    }
}
