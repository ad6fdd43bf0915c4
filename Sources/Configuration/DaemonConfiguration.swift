import Common
import Foundation

/// Everything `enhanced` can be told, with its defaults. Paths are absolute once loaded:
/// relative ones in a file are taken from the file's directory, those of the embedded default
/// from `embeddedBaseDirectory` (the checkout the binary was built in).
public struct DaemonConfiguration: Sendable, Equatable {
    public enum OutputLocation: String, Sendable, CaseIterable {
        /// Next to the source, in the watched folder.
        case beside
        /// Under `outbox`, in the same relative folders as the source under its root.
        case mirror
    }

    public enum OutputFormat: String, Sendable, CaseIterable {
        /// As the source; sources that are read only (HEIC, AVIF) give JPEG.
        case same, png, jpeg, tiff, webp
    }

    public enum LogLevel: String, Sendable, CaseIterable, Comparable {
        case debug, info, warning, error
        public static func < (a: LogLevel, b: LogLevel) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    // [watch]
    /// `roots = [...]` (each named after its folder) and `[[watch.root]]` tables, in that order;
    /// names are unique.
    public var watchRoots: [WatchRoot]
    /// The roots' paths on this host.
    public var roots: [String] { watchRoots.map(\.path) }
    /// The roots by name: how a job (root name + relative path) is found here.
    public var rootMap: RootMap { RootMap(watchRoots) }
    /// Seconds a file must stay unchanged (size and mtime) after its last write event.
    public var settleDelay: Double = 2
    /// Seconds between full rescans of the roots (0: never), the fallback for lost events.
    public var rescanInterval: Double = 600

    // [output]
    public var location: OutputLocation = .beside
    public var outbox: String?
    public var naming: OutputNaming
    public var format: OutputFormat = .same
    public var jpegQuality = Defaults.jpegQuality
    /// What translucent photos are flattened onto in JPEG outputs (JPEG has no alpha).
    public var background = BackgroundColor.white
    /// `scale`, `max_side`, `max_pixels`: the size outputs are written at (×4 by default).
    public var outputSize = OutputSize()

    // [model]
    /// The model file: `model.path`, or `model.name` in `model.directory`.
    public var modelPath: String
    /// `model.degraded`: a second model for inputs that already suffered (nil: none), chosen
    /// per job by `degradedThresholds` (see `ModelRoute`).
    public var degradedModelPath: String?
    public var degradedThresholds = ModelRoute.Thresholds()
    /// `model.deblock`, `model.deblock_below_quality`: JPEG inputs deblocked with their own
    /// quantization tables before the network.
    public var deblocking = Deblocking()
    /// The same defaults as `upscale` (Common's `Defaults`, chosen by measured fidelity
    /// against TensorFlow).
    public var inference = Inference.rows
    public var tile = Defaults.tile
    public var overlap = Defaults.overlap
    public var maxInputPixels = Defaults.maxInputPixels

    // [workers]
    public var workers: Int
    public var threadsPerWorker: Int
    /// Seconds a running job's lease lasts without renewal before another worker may take it.
    public var lease: Double = 300
    /// Seconds SIGTERM waits for running jobs before requeueing them.
    public var shutdownTimeout: Double = 30

    // [retry]
    public var maxAttempts = 4
    public var initialDelay: Double = 30
    public var maxDelay: Double = 3600

    // [state]
    /// Where the queue is kept: one SQLite file (one host), or one PostgreSQL database that the
    /// daemons of several hosts share.
    public enum StateBackend: String, Sendable, CaseIterable {
        case sqlite, postgresql
    }
    public var backend: StateBackend = .sqlite
    /// The SQLite file; with PostgreSQL, still the local lock file's base (one daemon per host).
    public var database: String
    /// `state.url`: the PostgreSQL URL or libpq conninfo, without a password.
    public var stateURL: String?
    /// `state.password_file`: a `.pgpass`-format file libpq reads the password from.
    public var passwordFile: String?

    // [node]
    /// This host's name in lease owners (`node/pid/worker`) and in `status`; unique per host.
    public var nodeName: String = DaemonConfiguration.defaultNodeName

    // [log]
    public var logLevel: LogLevel = .info

    // [hooks]
    public var hooks = HookCommands()

    // [metrics]
    public var metrics = MetricsSettings()

    /// The file it was read from; nil for the embedded default.
    public var file: String?
}
