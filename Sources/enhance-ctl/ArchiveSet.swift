/// The photo archive `enhance-ctl bench archive` runs on: generated from a seed, so two runs (and
/// two machines) with the same seed get the same files byte for byte.
import Foundation
import Degradation
import Imaging

/// A mix like a scanned family archive: sizes spread evenly on a log scale from 0.03 MP up to
/// the cap, portrait and landscape, mostly JPEG, some PNG — a few of those 16-bit or RGBA.
struct ArchiveSet: Equatable {
    struct Photo: Equatable, Codable {
        var name: String
        var width: Int
        var height: Int
        var channels: Int
        var bitDepth: Int
        var format: String
        var megapixels: Double { Double(width * height) / 1e6 }
    }

    static let smallestMegapixels = 0.03
    var photos: [Photo]

    init(seed: UInt64, count: Int, maxMegapixels: Double) {
        var random = SplitMix64(seed: seed)
        let low = log(Self.smallestMegapixels), high = log(max(maxMegapixels, Self.smallestMegapixels))
        photos = (0..<count).map { i in
            // Evenly spaced sizes (jittered within their step), so every class is represented
            // whatever the count, then shuffled by the kinds below.
            let t = count == 1 ? 1 : (Double(i) + random.unit() * 0.5) / Double(count - 1)
            let megapixels = exp(low + min(1, t) * (high - low))
            let aspect = [4.0 / 3, 3.0 / 2, 1.0, 16.0 / 9][Int(random.next() % 4)]
            let portrait = random.next() % 3 == 0
            let long = Int((megapixels * 1e6 * aspect).squareRoot().rounded())
            let short = max(16, Int((Double(long) / aspect).rounded()))
            let (width, height) = portrait ? (short, long) : (long, short)
            let kind = random.next() % 8
            // 0–4 JPEG, 5 PNG, 6 PNG 16-bit, 7 PNG RGBA
            let png = kind >= 5
            let photo = Photo(name: String(format: "photo-%02d-%dx%d.%@", i, width, height, png ? "png" : "jpg"),
                              width: width, height: height, channels: kind == 7 ? 4 : 3,
                              bitDepth: kind == 6 ? 16 : 8, format: png ? "png" : "jpg")
            return photo
        }
    }

    /// Writes every photo into `directory`: a scene with gradients, edges and grain (so the
    /// encoders have work like a photo's), translucent at the edges for RGBA.
    func write(to directory: String, seed: UInt64) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (index, photo) in photos.enumerated() {
            let format: ImageFormat = photo.format == "png" ? .png : .jpeg
            let info = ImageInfo(width: photo.width, height: photo.height, channels: photo.channels,
                                 bitDepth: photo.bitDepth, format: format)
            let writer = try ImageWriter(path: directory + "/" + photo.name, info: info, quality: 88)
            var random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9)
            let (cx, cy) = (Double(photo.width) * random.unit(), Double(photo.height) * random.unit())
            let stripe = 4 + Int(random.next() % 12)
            var row = [Float](repeating: 0, count: photo.width * photo.channels)
            for y in 0..<photo.height {
                for x in 0..<photo.width {
                    let dx = Double(x) - cx, dy = Double(y) - cy
                    let radial = (dx * dx + dy * dy).squareRoot() / Double(max(photo.width, photo.height))
                    let edge: Float = ((x / stripe) + (y / (stripe * 2))) % 5 == 0 ? 40 : 0
                    let grain = Float(Int(random.next() % 17) - 8)
                    let base = x * photo.channels
                    row[base] = Float(200 - 150 * radial) + edge + grain
                    row[base + 1] = Float(60 + 120 * Double(y) / Double(photo.height)) + grain
                    row[base + 2] = Float(90 + 100 * Double(x) / Double(photo.width)) - edge + grain
                    if photo.channels == 4 {
                        // Opaque in the middle, fading out towards the border.
                        let border = min(x, y, photo.width - 1 - x, photo.height - 1 - y)
                        row[base + 3] = Float(min(255, border * 16))
                    }
                }
                try writer.writeRows(floats: row)
            }
            try writer.finish()
        }
    }
}
