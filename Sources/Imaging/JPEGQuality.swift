/// The quality a JPEG was saved at, read back from its own quantization tables.
///
/// IJG's libjpeg (and so libjpeg-turbo, ImageMagick, GIMP, Pillow and our own writer) makes
/// its tables by scaling the standard ones of ITU-T T.81 Annex K by a factor that depends only
/// on the quality. Scaling every quality 1…100 and comparing with the file's tables inverts
/// that exactly for such files. Cameras and Photoshop use tables of their own: they fit no
/// quality exactly, and `isIJGScaled` says so while `quality` is still the nearest.
public struct JPEGQuality: Sendable, Equatable {
    /// The IJG quality (1…100) whose tables are nearest to the file's.
    public var quality: Int
    /// The largest difference between a file's entry and that quality's: 0 for a file libjpeg
    /// wrote with `jpeg_set_quality`.
    public var largestDeviation: Int

    /// A table entry off by one is still IJG's scaling rounded another way (some encoders scale
    /// in floating point); anything further is a table of its own.
    public static let tolerance = 1

    /// The file's tables are IJG's scaling of Annex K's, to within rounding.
    public var isIJGScaled: Bool { largestDeviation <= Self.tolerance }

    /// Compares `luminance` (and `chrominance`, when the file has colour) — 64 values each in
    /// natural order — with IJG's tables for every quality; nil when `luminance` is not 64 values.
    public init?(luminance: [UInt16], chrominance: [UInt16]? = nil) {
        guard luminance.count == 64, chrominance.map({ $0.count == 64 }) ?? true else { return nil }
        var best = (quality: 0, deviation: Int.max, total: Int.max)
        for quality in 1...100 {
            let scale = Self.scaleFactor(quality)
            var deviation = 0, total = 0
            func compare(_ file: [UInt16], _ base: [Int]) {
                for (stored, reference) in zip(file, base) {
                    let difference = abs(Int(stored) - Self.scaled(reference, by: scale))
                    deviation = max(deviation, difference)
                    total += difference
                }
            }
            compare(luminance, Self.annexKLuminance)
            if let chrominance { compare(chrominance, Self.annexKChrominance) }
            // The smallest total difference wins; a tie keeps the lower quality (at the top of
            // the range several qualities give tables of all ones).
            if total < best.total { best = (quality, deviation, total) }
        }
        quality = best.quality
        largestDeviation = best.deviation
    }

    /// `jpeg_quality_scaling`: a percentage of the Annex K tables.
    static func scaleFactor(_ quality: Int) -> Int {
        quality < 50 ? 5000 / quality : 200 - 2 * quality
    }

    /// `jpeg_add_quant_table` with force_baseline: rounded, at least 1, at most 255.
    static func scaled(_ base: Int, by scale: Int) -> Int {
        min(max((base * scale + 50) / 100, 1), 255)
    }

    /// ITU-T T.81 Annex K, table K.1, natural order.
    static let annexKLuminance = [
        16, 11, 10, 16, 24, 40, 51, 61,
        12, 12, 14, 19, 26, 58, 60, 55,
        14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62,
        18, 22, 37, 56, 68, 109, 103, 77,
        24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101,
        72, 92, 95, 98, 112, 100, 103, 99,
    ]

    /// Table K.2, natural order.
    static let annexKChrominance = [
        17, 18, 24, 47, 99, 99, 99, 99,
        18, 21, 26, 66, 99, 99, 99, 99,
        24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99,
    ]
}
