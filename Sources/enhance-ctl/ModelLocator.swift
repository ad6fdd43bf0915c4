/// Where the installed models live, and which file a `--model` argument means.
import Common
import Foundation

enum ModelLocator {
    /// `$ENHANCE_MODEL_DIR`; else the checkout's `var/models` for a binary built in one (what
    /// `scripts/setup` writes); else `/var/lib/enhance/models` when it exists (the systemd
    /// install); else `./var/models`.
    static var modelDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["ENHANCE_MODEL_DIR"], !dir.isEmpty { return dir }
        if let checkout = Checkout.root { return checkout + "/var/models" }
        let system = "/var/lib/enhance/models"
        if FileManager.default.fileExists(atPath: system) { return system }
        return FileManager.default.currentDirectoryPath + "/var/models"
    }

    /// The file for `--model`: an existing file as given (a path still works), else a name such
    /// as `srgan-pre` looked up in `modelDirectory`, else the default model.
    static func resolve(_ explicit: String?) throws -> String {
        guard let explicit else {
            let path = ModelName.file(ModelName.defaultName, in: modelDirectory)
            guard FileManager.default.fileExists(atPath: path) else {
                throw Failure("\(path): the default model is not installed (run scripts/setup, or pass --model NAME|FILE)")
            }
            return path
        }
        if FileManager.default.fileExists(atPath: explicit) { return explicit }
        guard ModelName.isName(explicit) else { throw Failure("\(explicit): no such model file") }
        let path = ModelName.file(explicit, in: modelDirectory)
        guard FileManager.default.fileExists(atPath: path) else {
            let known = installedNames(in: modelDirectory)
            let have = known.isEmpty ? "none installed" : "installed: " + known.joined(separator: ", ")
            throw Failure("\(explicit): no model of that name in \(modelDirectory) (\(have); see enhance-ctl model list)")
        }
        return path
    }

    /// The names of the model files in `directory`, sorted.
    static func installedNames(in directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(ModelName.fileExtension) && !$0.hasPrefix(".") }
            .map { ModelName.name(ofFile: $0) }.sorted()
    }
}
