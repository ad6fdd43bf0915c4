/// JPEG re-compression at a given quality through libjpeg in memory (Imaging's `InMemoryJPEG`):
/// the 8×8 blocking, ringing and chroma loss of a photo saved small for the web.
import Imaging

public enum JPEGCompression {
    /// `image` rounded to 8 bits, saved at `quality` with libjpeg's defaults and decoded again.
    public static func apply(_ image: RGBImage, quality: Int) throws -> RGBImage {
        let bytes = image.pixels.map { UInt8(min(max($0, 0), 255).rounded(.toNearestOrEven)) }
        let file = try InMemoryJPEG.encode(bytes, width: image.width, height: image.height, channels: 3, quality: quality)
        let decoded = try InMemoryJPEG.decode(file)
        return RGBImage(width: decoded.width, height: decoded.height, pixels: decoded.samples.map(Float.init))
    }
}
