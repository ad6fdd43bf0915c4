/// The contact sheet `evaluate --sheet` writes: one row per photo, the same square crop of the
/// input (nearest-neighbour ×4, so its pixels show), bicubic, each model and the reference,
/// side by side — where a person would rather look than read. With `--deblock` each of them
/// but the reference is followed by its deblocked counterpart, blank for an input not JPEG.
import Degradation
import Imaging

struct ContactSheet {
    /// Per photo, HR-sized images in column order; the first (the input) is always there, nil
    /// elsewhere is a blank tile.
    let rows: [[RGBImage?]]
    /// The requested crop side (HR pixels, a multiple of 32).
    let side: Int

    /// Gray separating the tiles, so where one ends is never in doubt.
    static let gap = 4
    static let gapLevel: Float = 128

    /// The crop side used for every tile: `side`, or less when a photo is smaller, kept a
    /// multiple of 32 so the tiles show whole upscaled 8×8 JPEG blocks.
    var tileSide: Int {
        rows.reduce(side) { s, row in min(s, (min(row[0]?.width ?? 0, row[0]?.height ?? 0) / 32) * 32) }
    }

    /// The crop's top-left corner in a `width × height` photo: its centre, on the 32-px grid.
    static func origin(width: Int, height: Int, tile: Int) -> (x: Int, y: Int) {
        ((width - tile) / 2 / 32 * 32, (height - tile) / 2 / 32 * 32)
    }

    func image() throws -> PixelBuffer {
        let t = tileSide
        guard t > 0, let columns = rows.first?.count else {
            throw Failure("contact sheet: a photo is smaller than 32×32, nothing to show")
        }
        let (g, width, height) = (Self.gap, columns * t + (columns + 1) * Self.gap, rows.count * t + (rows.count + 1) * Self.gap)
        var pixels = [Float](repeating: Self.gapLevel, count: width * height * 3)
        for (r, row) in rows.enumerated() {
            guard let first = row[0] else { continue }
            let (ox, oy) = Self.origin(width: first.width, height: first.height, tile: t)
            for (c, image) in row.enumerated() {
                guard let image else { continue }
                let (x0, y0) = (g + c * (t + g), g + r * (t + g))
                for y in 0..<t {
                    let from = ((oy + y) * image.width + ox) * 3, to = ((y0 + y) * width + x0) * 3
                    pixels.replaceSubrange(to..<(to + t * 3), with: image.pixels[from..<(from + t * 3)])
                }
            }
        }
        return PixelBuffer(width: width, height: height, channels: 3, floatSamples: pixels)
    }

    /// `image` enlarged `factor` times by repeating each pixel.
    static func nearest(_ image: RGBImage, by factor: Int) -> RGBImage {
        let (w, h) = (image.width * factor, image.height * factor)
        var out = [Float](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w {
            let from = ((y / factor) * image.width + x / factor) * 3, to = (y * w + x) * 3
            out[to] = image.pixels[from]; out[to + 1] = image.pixels[from + 1]; out[to + 2] = image.pixels[from + 2]
        } }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
