/// Whether a JPEG input is deblocked with its own quantization tables before the network
/// (`model.deblock`, `upscale --deblock`): one rule for the daemon and `enhance-ctl upscale`.
public struct Deblocking: Sendable, Equatable {
    public enum Mode: String, Sendable, CaseIterable {
        /// JPEGs whose estimated quality is below `belowQuality`.
        case auto
        /// Every JPEG.
        case on
        case off
    }

    public var mode: Mode
    public var belowQuality: Int

    public static let defaultMode = Mode.auto
    public static let defaultBelowQuality = 90

    public init(mode: Mode = defaultMode, belowQuality: Int = defaultBelowQuality) {
        self.mode = mode
        self.belowQuality = belowQuality
    }

    /// True when an input is to be deblocked: a JPEG (`isJPEG`), and for `auto` one whose
    /// IJG quality is known and below the threshold (tables of their own — cameras, mostly
    /// at high quality — are left as they are).
    public func applies(isJPEG: Bool, jpegQuality: Int?) -> Bool {
        guard isJPEG else { return false }
        switch mode {
        case .off: return false
        case .on: return true
        case .auto: return jpegQuality.map { $0 < belowQuality } ?? false
        }
    }

    /// What the job key says of it: nothing for the default (queues of earlier versions keep
    /// their keys where the outcome did not change: inputs that are not JPEG).
    var key: String {
        self == Deblocking() ? "" : " deblock=\(mode.rawValue)" + (mode == .auto ? "<\(belowQuality)" : "")
    }
}
