/// `--degraded-model` and its thresholds, `--deblock`, or `--config`: which model `upscale`
/// runs for an input and whether a JPEG is deblocked first, by the same rules (`ModelRoute`,
/// `Deblocking`) and, with `--config`, the same settings as the daemon.
import ArgumentParser
import Configuration
import Foundation
import Hashing

struct RouteOptions: ParsableArguments {
    @Option(help: "A second model (NAME or FILE) for inputs that already suffered: a JPEG saved below --degraded-below-quality, or noise above --degraded-above-noise.")
    var degradedModel: String?

    @Option(help: "A JPEG input whose estimated quality is below this goes to --degraded-model (default \(ModelRoute.Thresholds.defaultBelowQuality)).")
    var degradedBelowQuality: Int?

    @Option(help: "An input whose estimated noise σ (0–255 scale) is above this goes to --degraded-model (default \(ModelRoute.Thresholds.defaultAboveNoise)).")
    var degradedAboveNoise: Double?

    @Option(help: "Deblock a JPEG input within its own quantization tables before the network: auto (a JPEG below --deblock-below-quality), on (every JPEG) or off (default \(Deblocking.defaultMode.rawValue)).")
    var deblock: Deblocking.Mode?

    @Option(help: "With --deblock auto, a JPEG whose estimated quality is below this is deblocked (default \(Deblocking.defaultBelowQuality)).")
    var deblockBelowQuality: Int?

    @Option(help: "Choose the model and deblocking as this daemon configuration does (its model.path or model.name, model.degraded and thresholds); the flags above and --model win over it.")
    var config: String?

    func validate() throws {
        if let q = degradedBelowQuality, !(1...101).contains(q) {
            throw ValidationError("--degraded-below-quality must be between 1 and 101, got \(q)")
        }
        if let s = degradedAboveNoise, !(s >= 0 && s.isFinite) {
            throw ValidationError("--degraded-above-noise must be at least 0, got \(s)")
        }
        if let q = deblockBelowQuality, !(1...101).contains(q) {
            throw ValidationError("--deblock-below-quality must be between 1 and 101, got \(q)")
        }
        if degradedModel == nil, config == nil, degradedBelowQuality != nil || degradedAboveNoise != nil {
            throw ValidationError("--degraded-below-quality and --degraded-above-noise route to --degraded-model, which is not given")
        }
    }

    /// The route for `--model` (nil: the configuration's model, else the installed default),
    /// and the deblocking.
    func settings(model explicit: String?) throws -> (route: ModelRoute, deblocking: Deblocking) {
        let c: DaemonConfiguration?
        do {
            c = try config.map { try DaemonConfiguration.load(file: $0) }
        } catch {
            throw Failure("\(error)")
        }
        var deblocking = c?.deblocking ?? Deblocking()
        deblocking.mode = deblock ?? deblocking.mode
        deblocking.belowQuality = deblockBelowQuality ?? deblocking.belowQuality
        let primary = explicit == nil && c != nil ? c!.modelPath : try ModelLocator.resolve(explicit)
        let degraded = try degradedModel.map { try ModelLocator.resolve($0) } ?? c?.degradedModelPath
        var thresholds = c?.degradedThresholds ?? ModelRoute.Thresholds()
        thresholds.belowQuality = degradedBelowQuality ?? thresholds.belowQuality
        thresholds.aboveNoise = degradedAboveNoise ?? thresholds.aboveNoise
        return (ModelRoute(primary: try Self.identity(primary), degraded: try degraded.map(Self.identity),
                           thresholds: thresholds), deblocking)
    }

    static func identity(_ path: String) throws -> ModelIdentity {
        guard FileManager.default.fileExists(atPath: path) else { throw Failure("\(path): no such model file") }
        return ModelIdentity(path: path, sha256: try SHA256.hexDigest(ofFile: path))
    }
}

extension Deblocking.Mode: ExpressibleByArgument {}
