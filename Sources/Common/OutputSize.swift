/// The size an enhanced image is written at. The network always enlarges ×4; a smaller factor
/// (`[output] scale`, `upscale --scale`) or a cap on the longest side or the pixel count is
/// reached by resampling its output (`LanczosResampler`), never by enlarging past ×4 — as
/// Real-ESRGAN's `--outscale` does.
public struct OutputSize: Sendable, Equatable {
    /// The factor asked for, in (1, 4].
    public var scale: Double
    /// At most this many pixels on the longest side; nil: no cap.
    public var maxSide: Int?
    /// At most this many pixels in all; nil: no cap.
    public var maxPixels: Int?

    public static let networkScale = 4
    /// The factors that make sense: above 1 (else nothing is enlarged), at most the network's.
    public static func isValidScale(_ s: Double) -> Bool { s > 1 && s <= Double(networkScale) && s.isFinite }

    public init(scale: Double = Double(OutputSize.networkScale), maxSide: Int? = nil, maxPixels: Int? = nil) {
        self.scale = scale
        self.maxSide = maxSide
        self.maxPixels = maxPixels
    }

    /// The output size for a `width`×`height` input, or why there is none: a cap at or below the
    /// input's own size leaves nothing to enlarge.
    public func dimensions(width: Int, height: Int) -> Result<(width: Int, height: Int), Refusal> {
        let full = (width: width * Self.networkScale, height: height * Self.networkScale)
        if scale >= Double(Self.networkScale), fits(full) { return .success(full) }
        var factor = scale
        if let maxSide { factor = min(factor, Double(maxSide) / Double(max(width, height))) }
        if let maxPixels { factor = min(factor, (Double(maxPixels) / Double(width * height)).squareRoot()) }
        let rounded = (width: Int((Double(width) * factor).rounded()), height: Int((Double(height) * factor).rounded()))
        // Rounding may pass a cap by a pixel: then round down instead.
        let size = fits(rounded) ? rounded
            : (width: Int((Double(width) * factor).rounded(.down)), height: Int((Double(height) * factor).rounded(.down)))
        guard size.width > width || size.height > height, size.width >= width, size.height >= height else {
            return .failure(Refusal(description: "\(width)×\(height) is already at or above the output cap (\(capDescription)): nothing to enlarge"))
        }
        return .success(size)
    }

    /// The settings in a job's parameter key: `2`, `4/side2000`, `2.5/px50000000`.
    public var key: String {
        String(format: "%g", scale) + (maxSide.map { "/side\($0)" } ?? "") + (maxPixels.map { "/px\($0)" } ?? "")
    }

    private func fits(_ size: (width: Int, height: Int)) -> Bool {
        (maxSide.map { max(size.width, size.height) <= $0 } ?? true) && (maxPixels.map { size.width * size.height <= $0 } ?? true)
    }

    private var capDescription: String {
        [maxSide.map { "longest side \($0)" }, maxPixels.map { "\($0) pixels" }].compactMap { $0 }.joined(separator: ", ")
    }

    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }
}
