/// The structure of a Keras 2 `save_weights` file as libhdf5 shows it: the
/// root attribute `layer_names` lists the layers in model order; each layer
/// group's `weight_names` lists its datasets in order, as paths relative to
/// the group (`conv2d/kernel:0`). Shapes are read eagerly, values only on
/// demand, so a file that does not fit is refused before 90 MB are read.
/// Use only inside `HDF5Library.locked`.
final class KerasWeightsFile {
    let hdf5: HDF5File
    /// The group holding the layers: the root for `save_weights`, `/model_weights` for full-model `save`.
    let base: HDF5Handle
    let layers: [KerasLayer]
    let kerasVersion: String?

    var path: String { hdf5.path }

    init(path: String) throws {
        let hdf5 = try HDF5File(openingReadOnly: path)
        var base = hdf5.root
        var layerNames = try Self.chunkedStrings("layer_names", of: base, objectName: "the root group", in: hdf5)
        if layerNames == nil, hdf5.linkExists("model_weights", in: hdf5.root) {
            base = try hdf5.openGroup("model_weights", in: hdf5.root, purpose: "full-model Keras file")
            layerNames = try Self.chunkedStrings("layer_names", of: base, objectName: "/model_weights", in: hdf5)
        }
        guard let layerNames else {
            throw ModelFormatError(.unknownLayout, file: path,
                "HDF5, but not a Keras 2 weights file: no layer_names attribute at the root or in /model_weights (Keras 3 .weights.h5 files are not supported)")
        }
        var layers: [KerasLayer] = []
        for layerName in layerNames {
            let group = try hdf5.openGroup(layerName, in: base, purpose: "layer \(layerName) listed in layer_names")
            let weightNames = try Self.chunkedStrings("weight_names", of: group, objectName: "layer \(layerName)", in: hdf5) ?? []
            var weights: [KerasWeight] = []
            for weightName in weightNames {
                let shape = try hdf5.floatDatasetShape(weightName, in: group, purpose: "layer \(layerName)")
                weights.append(KerasWeight(name: weightName, role: KerasWeight.Role(weightName: weightName), shape: shape))
            }
            layers.append(KerasLayer(name: layerName, weights: weights))
        }
        self.hdf5 = hdf5
        self.base = base
        self.layers = layers
        self.kerasVersion = try hdf5.strings(attribute: "keras_version", of: hdf5.root, objectName: "the root group")?.first
    }

    func values(of weight: KerasWeight, in layer: KerasLayer) throws -> [Float] {
        let group = try hdf5.openGroup(layer.name, in: base, purpose: "layer \(layer.name)")
        return try hdf5.readFloats(weight.name, in: group, count: Tensor.elementCount(of: weight.shape) ?? 0,
                                   purpose: "layer \(layer.name)")
    }

    /// Keras splits an attribute over `name0`, `name1`, … when it would not
    /// fit HDF5's 64 KiB object header; very deep models hit that.
    private static func chunkedStrings(_ name: String, of object: HDF5Handle, objectName: String, in hdf5: HDF5File) throws -> [String]? {
        if let whole = try hdf5.strings(attribute: name, of: object, objectName: objectName) {
            return whole
        }
        var chunks: [String] = []
        var index = 0
        while let chunk = try hdf5.strings(attribute: "\(name)\(index)", of: object, objectName: objectName) {
            chunks += chunk
            index += 1
        }
        return index == 0 ? nil : chunks
    }
}
