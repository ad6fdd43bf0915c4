import Foundation
import Testing
import Hashing
@testable import ModelFormats

/// The importer's behaviour on files made here: the VGG19 layout (no real
/// file available), and every way a file can fail to be one of our networks.
@Suite("Keras import of synthetic files")
struct KerasImporterTests {
    static func importing(_ fixture: KerasFixture, named name: String = "fixture.h5") throws -> (TensorFile, String, TemporaryDirectory) {
        let directory = try TemporaryDirectory()
        let path = directory.file(name)
        try fixture.write(to: path)
        return (try KerasImporter.importFile(path: path), path, directory)
    }

    static func importError(_ fixture: KerasFixture) throws -> ModelFormatError? {
        let directory = try TemporaryDirectory()
        let path = directory.file("fixture.h5")
        try fixture.write(to: path)
        let error = #expect(throws: ModelFormatError.self) { _ = try KerasImporter.importFile(path: path) }
        #expect(error?.file == path, "the error names the file")
        return error
    }

    // MARK: VGG19 features

    @Test("VGG19 notop weights import in either Keras naming", arguments: [true, false])
    func vgg19(legacyNames: Bool) throws {
        let (file, path, directory) = try Self.importing(KerasModelBuilder.vgg19(legacyNames: legacyNames), named: "vgg19_notop.h5")
        var expected: [String: [Int]] = [:]
        var input = 3
        for (block, convs, channels) in [(1, 2, 64), (2, 2, 128), (3, 4, 256), (4, 4, 512), (5, 4, 512)] {
            for conv in 1...convs {
                expected["block\(block)_conv\(conv).weight"] = [3, 3, input, channels]
                expected["block\(block)_conv\(conv).bias"] = [channels]
                input = channels
            }
        }
        #expect(file.tensors.mapValues(\.shape) == expected)
        #expect(file.parameterCount == 20_024_384)  // Keras VGG19(include_top=False) total params
        #expect(file.tensors["block1_conv1.weight"]?.values[1727] == 1.727)
        #expect(file.tensors["block1_conv2.bias"]?.values[5] == 1005)
        #expect(file.tensors["block5_conv4.bias"]?.values[511] == 15511)
        #expect(file.tensors["block5_conv4.weight"]?.values.allSatisfy { $0 == 0 } == true)
        #expect(file.metadata["architecture"] == "vgg19-features")
        #expect(file.metadata["scale"] == nil)
        #expect(file.metadata["kernel_layout"] == "HWIO")
        #expect(file.metadata["parameters"] == "20024384")
        #expect(file.metadata["source_file"] == "vgg19_notop.h5")
        #expect(file.metadata["source_sha256"] == (try SHA256.hexDigest(ofFile: path)))
        withExtendedLifetime(directory) {}
    }

    @Test("VGG19 with a wrong channel count is refused naming the layer and both shapes")
    func vgg19WrongChannels() throws {
        let error = try Self.importError(KerasModelBuilder.vgg19(legacyNames: true, channelsOverride: ["block3_conv2": 128]))
        #expect(error?.kind == .layoutMismatch)
        #expect(error?.detail == "does not match vgg19-features: layer block3_conv2 (block3_conv2): expected kernel [3,3,256,256], found [3,3,256,128]")
    }

    @Test("VGG19 with the classifier on top is refused: we take the notop file")
    func vgg19WithTop() throws {
        let error = try Self.importError(KerasModelBuilder.vgg19(legacyNames: false, withTop: true))
        #expect(error?.detail == "does not match vgg19-features: unexpected layer fc1 (a Dense layer (kernel, bias)) after the 16 layers with weights of vgg19-features")
    }

    // MARK: Generator layouts that do not fit

    @Test("a generator fixture with the reference's layer sequence imports (fixture sanity)")
    func generatorFixture() throws {
        let (file, _, _) = try Self.importing(KerasModelBuilder.srganGenerator())
        #expect(file.metadata["architecture"] == "srgan-generator")
        #expect(file.parameterCount == 1_554_883)
        #expect(file.tensors.count == 3 + 16 * 13 + 6 + 6 + 2)
    }

    @Test("variable-length string attributes (as h5py writes str) are accepted")
    func variableLengthStrings() throws {
        var fixture = KerasModelBuilder.srganGenerator()
        fixture.variableLengthStrings = true
        let (file, _, _) = try Self.importing(fixture)
        #expect(file.metadata["architecture"] == "srgan-generator")
    }

    @Test("full-model Keras files (layers under /model_weights) are accepted")
    func fullModelFile() throws {
        var fixture = KerasModelBuilder.srganGenerator()
        fixture.underModelWeights = true
        let (file, _, _) = try Self.importing(fixture)
        #expect(file.parameterCount == 1_554_883)
    }

    @Test("a wrong kernel shape is refused naming the Keras layer, our name and both shapes")
    func wrongKernelShape() throws {
        var fixture = KerasModelBuilder.srganGenerator()
        let index = try #require(fixture.layers.firstIndex { $0.name == "conv2d_3" })
        fixture.layers[index].weights[0].shape = [3, 3, 32, 64]
        let error = try Self.importError(fixture)
        #expect(error?.kind == .layoutMismatch)
        #expect(error?.detail == "does not match srgan-generator: layer conv2d_3 (res.1.conv1): expected kernel [3,3,64,64], found [3,3,32,64]")
    }

    @Test("a generator with 15 residual blocks is refused where the sequence parts")
    func fewerResidualBlocks() throws {
        let error = try Self.importError(KerasModelBuilder.srganGenerator(residualBlocks: 15))
        #expect(error?.kind == .layoutMismatch)
        #expect(error?.detail == "does not match srgan-generator: layer conv2d_32: expected a PReLU layer (alpha) for res.15.prelu, found a Conv2D layer (kernel, bias)")
    }

    @Test("a dataset listed in weight_names but absent is refused")
    func missingDataset() throws {
        var fixture = KerasModelBuilder.srganGenerator()
        let index = try #require(fixture.layers.firstIndex { $0.name == "batch_normalization_v1_4" })
        fixture.layers[index].weights[2].stored = false
        let error = try Self.importError(fixture)
        #expect(error?.kind == .layoutMismatch)
        #expect(error?.detail.hasPrefix("layer batch_normalization_v1_4: missing dataset \"batch_normalization_v1_4/moving_mean:0\"") == true)
    }

    @Test("a BatchNorm layer without moving statistics is refused")
    func incompleteBatchNorm() throws {
        var fixture = KerasModelBuilder.srganGenerator()
        let index = try #require(fixture.layers.firstIndex { $0.name == "batch_normalization_v1" })
        fixture.layers[index].weights.removeLast(2)
        let error = try Self.importError(fixture)
        #expect(error?.detail == "does not match srgan-generator: layer batch_normalization_v1: expected a BatchNormalization layer (gamma, beta, moving_mean, moving_variance) for res.0.bn1, found a layer with weights [batch_normalization_v1/gamma:0, batch_normalization_v1/beta:0]")
    }

    // MARK: Files that are not ours at all

    @Test("a Keras file of another network with a Dense layer is compared with the discriminator and refused")
    func otherNetworkWithDense() throws {
        let error = try Self.importError(KerasModelBuilder.classifier())
        #expect(error?.kind == .layoutMismatch)
        #expect(error?.detail == "does not match srgan-discriminator: layer conv2d (block.0.conv): expected kernel [3,3,3,64], found [3,3,1,8]")
    }

    @Test("a Keras file of a network without any distinguishing layer is refused as unknown")
    func unknownNetwork() throws {
        var model = KerasModelBuilder()
        model.conv(3, 3, 16)
        model.conv(3, 16, 3)
        let error = try Self.importError(KerasFixture(layers: model.layers))
        #expect(error?.kind == .unknownLayout)
        #expect(error?.detail == "a Keras weights file, but not a network enhance knows: 2 layers with weights (2 × Conv2D, first conv2d, last conv2d_1); expected one of srgan-generator, srgan-discriminator, vgg19-features")
    }

    @Test("an HDF5 file without Keras's layer_names is refused")
    func notKeras() throws {
        var fixture = KerasModelBuilder.srganGenerator()
        fixture.writeLayerNames = false
        let error = try Self.importError(fixture)
        #expect(error?.kind == .unknownLayout)
        #expect(error?.detail.hasPrefix("HDF5, but not a Keras 2 weights file: no layer_names attribute") == true)
    }

    @Test("a file that is not HDF5 is refused quoting libhdf5")
    func notHDF5() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(Array("this is a text file, not weights\n".utf8), to: "notes.h5")
        let error = #expect(throws: ModelFormatError.self) { _ = try KerasImporter.importFile(path: path) }
        #expect(error?.kind == .notHDF5)
        #expect(error?.description == "\(path): not an HDF5 file, or a damaged one (libhdf5: file signature not found)")
    }

    @Test("a safetensors file given to the importer is refused as not HDF5")
    func safetensorsIsNotHDF5() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("model.safetensors")
        try TensorFile(tensors: ["a": Tensor(shape: [1], values: [1])]).write(to: path)
        let error = #expect(throws: ModelFormatError.self) { _ = try KerasImporter.importFile(path: path) }
        #expect(error?.kind == .notHDF5)
    }

    @Test("a missing file is an I/O error, not an HDF5 one")
    func missingFile() throws {
        let error = #expect(throws: ModelFormatError.self) { _ = try KerasImporter.importFile(path: "/nonexistent/gan_generator.h5") }
        #expect(error?.kind == .io)
        #expect(error?.description == "/nonexistent/gan_generator.h5: cannot open: No such file or directory")
    }
}
