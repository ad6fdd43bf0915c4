/// JPEG re-compression at a given quality through libjpeg in memory (Imaging's `InMemoryJPEG`):
/// the 8×8 blocking, ringing and chroma loss of a photo saved small for the web.
import Imaging

public enum JPEGCompression {
    /// `image` rounded to 8 bits, saved at `quality` with libjpeg's defaults and decoded again.
    public static func apply(_ image: RGBImage, quality: Int) throws -> RGBImage {
        try compress(image, quality: quality).image
    }

    /// The same, with the JPEG's bytes too: what a deblocker, which reads a file's own
    /// coefficients and tables, needs of the input it sees as `image`.
    public static func compress(_ image: RGBImage, quality: Int) throws -> (image: RGBImage, jpeg: [UInt8]) {
        let bytes = image.pixels.map { UInt8(min(max($0, 0), 255).rounded(.toNearestOrEven)) }
        let file = try InMemoryJPEG.encode(bytes, width: image.width, height: image.height, channels: 3, quality: quality)
        let decoded = try InMemoryJPEG.decode(file)
        return (RGBImage(width: decoded.width, height: decoded.height, samples: decoded.samples, channels: decoded.channels), file)
    }
}
