/// Where the installed models live when the command line names none.
import Foundation

enum ModelLocator {
    static let defaultModelName = "srgan-gan.safetensors"

    /// `$ENHANCE_MODEL_DIR`, else `/var/lib/enhance/models` when it exists (the systemd install),
    /// else `./var/models` (what the repository's set-up writes).
    static var modelDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["ENHANCE_MODEL_DIR"], !dir.isEmpty { return dir }
        let system = "/var/lib/enhance/models"
        if FileManager.default.fileExists(atPath: system) { return system }
        return FileManager.default.currentDirectoryPath + "/var/models"
    }

    static func resolve(_ explicit: String?) throws -> String {
        let path = explicit ?? modelDirectory + "/" + defaultModelName
        guard FileManager.default.fileExists(atPath: path) else {
            if explicit != nil { throw Failure("\(path): no such model file") }
            throw Failure("\(path): the default model is not installed (run scripts/setup, or pass --model FILE)")
        }
        return path
    }
}
