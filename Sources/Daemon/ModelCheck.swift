import Configuration
import Foundation
import Hashing
import SRGAN

/// The model file, hashed and test-loaded before any worker needs it, so that a bad file is
/// reported once, now, rather than by each worker.
enum ModelCheck {
    static func load(_ path: String) throws -> ModelIdentity {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Daemon.StartupError(description: "model.path: \(path): no such model file (run scripts/setup, or set model.path)")
        }
        do {
            let sha = try sha256(of: path)
            _ = try Generator(contentsOf: path, threads: 1)
            return ModelIdentity(path: path, sha256: sha)
        } catch {
            throw Daemon.StartupError(description: "model.path: \(error)")
        }
    }

    static func sha256(of path: String) throws -> String { try SHA256.hexDigest(ofFile: path) }
}
