import Configuration
import Foundation
import Hashing
import SRGAN

/// The model file, hashed and test-loaded before any worker needs it, so that a bad file is
/// reported once, now, rather than by each worker; also what `enhanced --check-config` runs.
public enum ModelCheck {
    public static func load(_ path: String, key: String = "model.path") throws -> ModelIdentity {
        let model = try identity(path, key: key)
        do {
            _ = try Generator(contentsOf: path, threads: 1)
        } catch {
            throw Daemon.StartupError(description: "\(key): \(error)")
        }
        return model
    }

    /// The configuration's models, each hashed and test-loaded (a second model that does not
    /// load is named as `model.degraded`), with the thresholds between them.
    public static func loadRoute(_ c: DaemonConfiguration) throws -> ModelRoute {
        ModelRoute(primary: try load(c.modelPath),
                   degraded: try c.degradedModelPath.map { try load($0, key: "model.degraded") },
                   thresholds: c.degradedThresholds)
    }

    /// The route jobs are keyed by, without loading the models (what a dry run needs).
    static func routeIdentity(_ c: DaemonConfiguration) throws -> ModelRoute {
        ModelRoute(primary: try identity(c.modelPath),
                   degraded: try c.degradedModelPath.map { try identity($0, key: "model.degraded") },
                   thresholds: c.degradedThresholds)
    }

    /// The file's name and sha256, without loading it (what a dry run needs to key jobs).
    static func identity(_ path: String, key: String = "model.path") throws -> ModelIdentity {
        guard FileManager.default.fileExists(atPath: path) else {
            let fix = key == "model.path" ? "run scripts/setup, or set model.path or model.name" : "install it, or correct \(key)"
            throw Daemon.StartupError(description: "\(key): \(path): no such model file (\(fix))")
        }
        do {
            return ModelIdentity(path: path, sha256: try sha256(of: path))
        } catch {
            throw Daemon.StartupError(description: "\(key): \(error)")
        }
    }

    static func sha256(of path: String) throws -> String { try SHA256.hexDigest(ofFile: path) }
}
