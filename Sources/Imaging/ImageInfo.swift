/// The shape of an image's pixel data as the codecs deliver or accept it:
/// interleaved rows of `channels` samples of `bitDepth` bits per pixel.
public struct ImageInfo: Sendable, Hashable, CustomStringConvertible {
    public var width: Int
    public var height: Int
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    /// 8 or 16.
    public var bitDepth: Int
    public var format: ImageFormat
    /// Adam7 PNG or progressive JPEG. Informational: rows are delivered in
    /// order regardless, but such files cost more memory to decode. Ignored
    /// when writing (the writer produces plain sequential files).
    public var isInterlaced: Bool
    /// The pixels are exactly what was stored: PNG, TIFF that is not JPEG-compressed, lossless
    /// WebP. When writing WebP it picks lossless over lossy-at-quality. By default, what the
    /// format usually is: lossless for PNG and TIFF, lossy for JPEG, WebP and HEIF.
    public var isLossless: Bool

    public init(width: Int, height: Int, channels: Int, bitDepth: Int, format: ImageFormat,
                isInterlaced: Bool = false, isLossless: Bool? = nil) {
        self.width = width
        self.height = height
        self.channels = channels
        self.bitDepth = bitDepth
        self.format = format
        self.isInterlaced = isInterlaced
        self.isLossless = isLossless ?? (format == .png || format == .tiff)
    }

    public var hasAlpha: Bool { channels == 2 || channels == 4 }
    public var samplesPerRow: Int { width * channels }
    public var pixelCount: Int { width * height }
    /// The largest sample value: 255 or 65535.
    public var maxSampleValue: Int { (1 << bitDepth) - 1 }

    public var description: String {
        "\(width)x\(height) \(format) \(channels)ch \(bitDepth)-bit\(isInterlaced ? " interlaced" : "")"
    }
}
