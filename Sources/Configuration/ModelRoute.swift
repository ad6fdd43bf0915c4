import Foundation

/// Which model enhances which input: the primary model for clean photos, and optionally a
/// second one (fine-tuned on degraded pairs) for inputs whose estimates say they already
/// suffered — a JPEG saved below a quality, or noise above a σ. One rule for the daemon and
/// `enhance-ctl upscale`, so the same photo gets the same model from both.
///
/// The choice is made when a worker claims the job (it measures the input then anyway, on the
/// checked descriptor), not at intake: a rescan must stay a stat per file, and the choice is a
/// pure function of the content and of this route. So `id`, which names both models and both
/// thresholds, is what a job is keyed by: the same content under the same route always gets
/// the same model, and changing either model or a threshold is different work.
public struct ModelRoute: Sendable, Equatable {
    public var primary: ModelIdentity
    /// nil: every input goes to `primary`.
    public var degraded: ModelIdentity?
    public var thresholds: Thresholds

    /// When an input counts as degraded (`model.degraded_below_quality`, `model.degraded_above_noise`).
    public struct Thresholds: Sendable, Equatable {
        /// A JPEG whose estimated quality is below this is degraded.
        public var belowQuality: Int
        /// An input whose estimated noise σ (0…255 scale) is above this is degraded.
        public var aboveNoise: Double

        /// Quality 60: SRGAN already turns q75 blocks into tiles (degradation-notes.md); this
        /// sends the clearly compressed ones to the second model. σ 4: `NoiseEstimator` on
        /// scikit-image's photos, bicubic ×¼ as the LR inputs are, measured 0.7–3.7 clean and
        /// 4.7–7.5 with Gaussian noise of σ 5 added (fine texture — grass, gravel — reads as
        /// about 14 either way: such photos go to the degraded model).
        public static let defaultBelowQuality = 60
        public static let defaultAboveNoise = 4.0

        public init(belowQuality: Int = defaultBelowQuality, aboveNoise: Double = defaultAboveNoise) {
            self.belowQuality = belowQuality
            self.aboveNoise = aboveNoise
        }

        /// For a person: `JPEG quality < 60 or noise σ > 3.0`.
        public var summary: String { "JPEG quality < \(belowQuality) or noise σ > \(aboveNoise)" }

        /// Why an input with these estimates is degraded (for the log and `upscale`), or nil.
        public func reason(jpegQuality: Int?, noiseSigma: Double?) -> String? {
            if let q = jpegQuality, q < belowQuality { return "JPEG quality \(q) < \(belowQuality)" }
            if let s = noiseSigma, s > aboveNoise { return "noise σ \(String(format: "%.1f", s)) > \(aboveNoise)" }
            return nil
        }
    }

    public init(primary: ModelIdentity, degraded: ModelIdentity? = nil, thresholds: Thresholds = Thresholds()) {
        self.primary = primary
        self.degraded = degraded
        self.thresholds = thresholds
    }

    /// The model for an input with these estimates, and why it is the degraded one (nil for
    /// the primary). Unknown estimates (an input that could not be measured) mean the primary.
    public func choose(jpegQuality: Int?, noiseSigma: Double?) -> (model: ModelIdentity, reason: String?) {
        guard let degraded, let reason = thresholds.reason(jpegQuality: jpegQuality, noiseSigma: noiseSigma) else {
            return (primary, nil)
        }
        return (degraded, reason)
    }

    /// What jobs are keyed by: the primary's id alone without a second model (so queues of
    /// earlier versions keep their keys), else both ids and both thresholds.
    public var id: String {
        guard let degraded else { return primary.id }
        return "\(primary.id) degraded=\(degraded.id) q<\(thresholds.belowQuality) σ>\(thresholds.aboveNoise)"
    }
}
