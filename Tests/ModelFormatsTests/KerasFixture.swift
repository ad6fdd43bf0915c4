import CHDF5
import Foundation
@testable import ModelFormats

/// Writes small HDF5 files shaped like Keras 2 `save_weights` output, through
/// the libhdf5 C API, for the cases no real file covers (VGG19, broken layouts).
///
/// Datasets whose values are not given are created but never written: libhdf5
/// then allocates no storage and reads return zeros, so a fixture with the
/// real VGG19 or SRGAN shapes stays a few kilobytes on disk.
struct KerasFixture {
    struct Weight {
        var name: String
        var shape: [Int]
        var values: [Float]? = nil
        /// False to list the weight in weight_names without creating its dataset.
        var stored = true
    }

    struct Layer {
        var name: String
        var weights: [Weight]
    }

    var layers: [Layer]
    /// h5py writes variable-length strings when given Python str; Keras gives bytes (fixed-length).
    var variableLengthStrings = false
    var writeLayerNames = true
    /// Keras's full-model `save` puts the layers under this group instead of the root.
    var underModelWeights = false

    func write(to path: String) throws {
        try HDF5Library.locked {
            guard let file = HDF5Handle(H5Fcreate(path, enhance_h5f_acc_trunc(), enhance_h5p_default(), enhance_h5p_default()),
                                        close: H5Fclose) else {
                throw FixtureError("H5Fcreate \(path): \(HDF5Library.takeErrorMessage())")
            }
            let base = underModelWeights ? try create(group: "model_weights", in: file) : file
            if writeLayerNames {
                try writeStrings(layers.map(\.name), attribute: "layer_names", on: base)
            }
            for layer in layers {
                let group = try create(group: layer.name, in: base)
                try writeStrings(layer.weights.map(\.name), attribute: "weight_names", on: group)
                for weight in layer.weights where weight.stored {
                    var parent = group
                    let parts = weight.name.split(separator: "/").map(String.init)
                    for folder in parts.dropLast() {
                        if H5Lexists(parent.id, folder, enhance_h5p_default()) > 0 {
                            parent = try handle(H5Gopen2(parent.id, folder, enhance_h5p_default()), H5Gclose, "open \(folder)")
                        } else {
                            parent = try create(group: folder, in: parent)
                        }
                    }
                    try writeDataset(parts.last!, shape: weight.shape, values: weight.values, in: parent)
                }
            }
        }
    }

    private func create(group name: String, in parent: HDF5Handle) throws -> HDF5Handle {
        try handle(H5Gcreate2(parent.id, name, enhance_h5p_default(), enhance_h5p_default(), enhance_h5p_default()),
                   H5Gclose, "create group \(name)")
    }

    private func writeDataset(_ name: String, shape: [Int], values: [Float]?, in parent: HDF5Handle) throws {
        var dimensions = shape.map { hsize_t($0) }
        let space = try handle(H5Screate_simple(Int32(shape.count), &dimensions, nil), H5Sclose, "dataspace for \(name)")
        let dataset = try handle(H5Dcreate2(parent.id, name, enhance_h5t_ieee_f32le(), space.id,
                                            enhance_h5p_default(), enhance_h5p_default(), enhance_h5p_default()),
                                 H5Dclose, "create dataset \(name)")
        if let values {
            guard H5Dwrite(dataset.id, enhance_h5t_native_float(), enhance_h5s_all(), enhance_h5s_all(),
                           enhance_h5p_default(), values) >= 0 else {
                throw FixtureError("write \(name): \(HDF5Library.takeErrorMessage())")
            }
        }
    }

    private func writeStrings(_ strings: [String], attribute name: String, on object: HDF5Handle) throws {
        var dimensions = [hsize_t(strings.count)]
        let space = try handle(H5Screate_simple(1, &dimensions, nil), H5Sclose, "dataspace for \(name)")
        let type = try handle(H5Tcopy(enhance_h5t_c_s1()), H5Tclose, "string type")
        if variableLengthStrings {
            _ = H5Tset_size(type.id, enhance_h5t_variable())
            let attribute = try handle(H5Acreate2(object.id, name, type.id, space.id, enhance_h5p_default(), enhance_h5p_default()),
                                       H5Aclose, "create attribute \(name)")
            var pointers = strings.map { strdup($0) }
            defer { pointers.forEach { free($0) } }
            guard H5Awrite(attribute.id, type.id, &pointers) >= 0 else {
                throw FixtureError("write attribute \(name): \(HDF5Library.takeErrorMessage())")
            }
        } else {
            // Like numpy's 'S' dtype: fixed width of the longest string, NUL-padded.
            let width = max(1, strings.map(\.utf8.count).max() ?? 1)
            _ = H5Tset_size(type.id, width)
            _ = H5Tset_strpad(type.id, H5T_STR_NULLPAD)
            var buffer = [UInt8](repeating: 0, count: max(1, strings.count * width))
            for (index, string) in strings.enumerated() {
                buffer.replaceSubrange((index * width)..<(index * width + string.utf8.count), with: Array(string.utf8))
            }
            let attribute = try handle(H5Acreate2(object.id, name, type.id, space.id, enhance_h5p_default(), enhance_h5p_default()),
                                       H5Aclose, "create attribute \(name)")
            guard H5Awrite(attribute.id, type.id, buffer) >= 0 else {
                throw FixtureError("write attribute \(name): \(HDF5Library.takeErrorMessage())")
            }
        }
    }

    private func handle(_ id: hid_t, _ close: @escaping (hid_t) -> herr_t, _ what: String) throws -> HDF5Handle {
        guard let handle = HDF5Handle(id, close: close) else {
            throw FixtureError("\(what): \(HDF5Library.takeErrorMessage())")
        }
        return handle
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
