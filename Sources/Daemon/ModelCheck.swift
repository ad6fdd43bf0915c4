import Configuration
import Foundation
import Hashing
import SRGAN

/// The model file, hashed and test-loaded before any worker needs it, so that a bad file is
/// reported once, now, rather than by each worker; also what `enhanced --check-config` runs.
public enum ModelCheck {
    public static func load(_ path: String) throws -> ModelIdentity {
        let model = try identity(path)
        do {
            _ = try Generator(contentsOf: path, threads: 1)
        } catch {
            throw Daemon.StartupError(description: "model.path: \(error)")
        }
        return model
    }

    /// The file's name and sha256, without loading it (what a dry run needs to key jobs).
    static func identity(_ path: String) throws -> ModelIdentity {
        guard FileManager.default.fileExists(atPath: path) else {
            throw Daemon.StartupError(description: "model.path: \(path): no such model file (run scripts/setup, or set model.path or model.name)")
        }
        do {
            return ModelIdentity(path: path, sha256: try sha256(of: path))
        } catch {
            throw Daemon.StartupError(description: "model.path: \(error)")
        }
    }

    static func sha256(of path: String) throws -> String { try SHA256.hexDigest(ofFile: path) }
}
