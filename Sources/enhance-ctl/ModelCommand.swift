/// `enhance-ctl model …`: converting published weights into our format and inspecting them.
import ArgumentParser
import Foundation
import ModelFormats

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Import and inspect model weight files.",
        subcommands: [Import.self, Info.self]
    )

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
