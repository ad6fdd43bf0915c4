/// `enhance-ctl model …`: converting published weights into our format and inspecting them.
import ArgumentParser
import Common
import Foundation
import Hashing
import ModelFormats

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Import, list and inspect model weight files.",
        subcommands: [List.self, Import.self, Info.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the models in the model directory: the names --model and model.name accept.",
            discussion: "The directory is $ENHANCE_MODEL_DIR, else the checkout's var/models, else /var/lib/enhance/models.")

        @Option(name: .long, help: "List this directory instead.") var directory: String?
        @Flag(name: .long, help: "Print JSON instead of text.") var json = false

        /// What a model file says about itself (its safetensors metadata), and its bytes' sha256.
        struct Entry: Codable {
            var name: String
            var path: String
            var architecture: String?
            var parameters: Int?
            var sha256: String
            /// The file it was imported or fine-tuned from.
            var source: String?
            /// PSNR/SSIM on Y against held-out photos, as `fine-tune` recorded them (after
            /// training, and of the model it started from).
            var validationPSNR: Double?
            var validationSSIM: Double?
            var baseValidation: String?
            var fineTuneSteps: Int?
        }

        func run() throws {
            try reportingFailures {
                let dir = directory ?? ModelLocator.modelDirectory
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw Failure("\(dir): no such model directory (run scripts/setup, or set ENHANCE_MODEL_DIR)")
                }
                let entries = try ModelLocator.installedNames(in: dir).map { name in
                    let path = ModelName.file(name, in: dir)
                    let m = try TensorFile.read(path: path).metadata
                    return Entry(name: name, path: path, architecture: m["architecture"],
                                 parameters: m["parameters"].flatMap(Int.init), sha256: try SHA256.hexDigest(ofFile: path),
                                 source: m["source_file"], validationPSNR: m["fine_tune_validation_psnr_y"].flatMap(Double.init),
                                 validationSSIM: m["fine_tune_validation_ssim_y"].flatMap(Double.init),
                                 baseValidation: m["fine_tune_base_validation"], fineTuneSteps: m["fine_tune_steps"].flatMap(Int.init))
                }
                if json { return try printJSON(entries) }
                if entries.isEmpty { return print("no models in \(dir)") }
                print(TextTable(["NAME", "ARCHITECTURE", "PARAMS", "SHA256", "VALIDATION", "SOURCE"], rightAligned: [2],
                                rows: entries.map { e in
                    let validation = e.validationPSNR.map { "\(fixed($0, 2)) dB" + (e.validationSSIM.map { " \(fixed($0, 3))" } ?? "") } ?? "-"
                    return [e.name, e.architecture ?? "?", e.parameters.map(String.init) ?? "?", String(e.sha256.prefix(12)),
                            validation, shortened(e.source ?? "-", to: 20)]
                }).render())
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a Keras .h5 weight file (SRGAN generator or discriminator, VGG19) into safetensors.")

        @Argument(help: "The Keras .h5 weights file.")
        var file: String

        @Option(name: .long, help: "Where to write the .safetensors file.")
        var out: String

        func run() throws {
            try reportingFailures {
                let imported = try KerasImporter.importFile(path: file)
                try imported.write(to: out)
                let m = imported.metadata
                print("\(out): \(m["architecture"] ?? "?"), \(m["parameters"] ?? "?") parameters, from \(m["source_file"] ?? file) (sha256 \(m["source_sha256"] ?? "?"))")
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a model file's metadata and tensors.")

        @Argument(help: "A .safetensors model file.")
        var file: String

        @Flag(help: "List every tensor with its shape.")
        var tensors = false

        func run() throws {
            try reportingFailures {
                let model = try TensorFile.read(path: file)
                for key in model.metadata.keys.sorted() { print("\(key): \(model.metadata[key]!)") }
                print("tensors: \(model.tensors.count)")
                if tensors {
                    for name in model.tensors.keys.sorted() { print("  \(name) \(model.tensors[name]!.shape)") }
                }
            }
        }
    }
}
