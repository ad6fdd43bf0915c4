/// Adapters between image files (any channel layout, any orientation) and the RGB rows the
/// generator works on.
import Common
import Imaging

/// Reads an image's upright rows as RGB floats: gray is repeated into all three channels; alpha,
/// if any, goes to an `AlphaPlane` instead of the network.
///
/// Hidden colour: under fully transparent pixels the stored colour is arbitrary — usually black,
/// left there by software that stored premultiplied values. The network would smear it into the
/// visible edge, and the partly transparent pixels of the enlarged edge would show a dark halo.
/// So where alpha is low, the colour the network sees is pulled towards the alpha-weighted
/// (premultiplied) average of its neighbourhood: what is visible nearby. That needs `bleedRadius`
/// rows of look-ahead, which is all this keeps beyond the current row.
struct ReaderRows: RowSource {
    let reader: UprightReader
    let alpha: AlphaPlane?
    var width: Int { reader.info.width }
    var height: Int { reader.info.height }

    /// How far (input pixels) visible colour is spread under transparent pixels.
    static let bleedRadius = 6
    /// Pixels with alpha below this (0…255) have their colour blended with the neighbourhood's,
    /// fully at alpha 0; above it the stored colour is trusted as is.
    static let trustedAlpha: Float = 64

    private var samples: [Float] = []
    /// Decoded rows `windowStart ..< windowStart + window.count` (alpha images only).
    private var window: [DecodedRow] = []
    private var windowStart = 0
    private var served = 0

    private struct DecodedRow {
        var rgb: [Float]
        var alpha: [Float]
        /// Per pixel, sums over the row's ±bleedRadius neighbours of alpha·r, alpha·g, alpha·b, alpha.
        var sums: [Float]
    }

    init(_ reader: UprightReader) {
        self.reader = reader
        alpha = reader.info.hasAlpha ? AlphaPlane(width: reader.info.width, height: reader.info.height) : nil
    }

    mutating func readRows(_ count: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard alpha != nil else { return try readOpaque(count, into: buffer) }
        for i in 0..<count {
            let y = served
            while windowStart + window.count <= min(height - 1, y + Self.bleedRadius) {
                try decodeRow()
            }
            let drop = max(0, y - Self.bleedRadius - windowStart)
            if drop > 0 {
                window.removeFirst(drop)
                windowStart += drop
            }
            bleed(row: y, into: UnsafeMutableBufferPointer(rebasing: buffer[(i * width * 3)..<((i + 1) * width * 3)]))
            served += 1
        }
    }

    private mutating func readOpaque(_ count: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        let rows = try reader.readRows(count: count, into: &samples)
        guard rows == count else {
            throw ImageError(.truncated, path: reader.path, detail: "expected \(count) more rows, got \(rows)")
        }
        let pixels = count * width
        switch reader.info.channels {
        case 3:
            _ = buffer.update(from: samples[0..<(pixels * 3)])
        default:
            for p in 0..<pixels {
                let v = samples[p]
                buffer[3 * p] = v
                buffer[3 * p + 1] = v
                buffer[3 * p + 2] = v
            }
        }
        served += count
    }

    private mutating func decodeRow() throws {
        let rows = try reader.readRows(count: 1, into: &samples)
        guard rows == 1 else {
            throw ImageError(.truncated, path: reader.path, detail: "expected another row, got none")
        }
        let channels = reader.info.channels
        var rgb = [Float](repeating: 0, count: width * 3)
        var alphaRow = [Float](repeating: 0, count: width)
        for x in 0..<width {
            let p = x * channels
            if channels == 2 {
                rgb[3 * x] = samples[p]; rgb[3 * x + 1] = samples[p]; rgb[3 * x + 2] = samples[p]
            } else {
                rgb[3 * x] = samples[p]; rgb[3 * x + 1] = samples[p + 1]; rgb[3 * x + 2] = samples[p + 2]
            }
            alphaRow[x] = samples[p + channels - 1]
        }
        // Running horizontal box sums of premultiplied colour and alpha, in Double so that adding
        // and later subtracting a pixel leaves (near enough) nothing: in a transparent stretch the
        // sums must come back to zero, not to drift that would pass for a little visible colour.
        let r = Self.bleedRadius
        var sums = [Float](repeating: 0, count: width * 4)
        var acc: (Double, Double, Double, Double) = (0, 0, 0, 0)
        func add(_ x: Int, _ sign: Double) {
            let a = Double(alphaRow[x]) * sign
            acc.0 += a * Double(rgb[3 * x]); acc.1 += a * Double(rgb[3 * x + 1])
            acc.2 += a * Double(rgb[3 * x + 2]); acc.3 += a
        }
        for x in 0..<min(r, width) { add(x, 1) }
        for x in 0..<width {
            if x + r < width { add(x + r, 1) }
            if x - r - 1 >= 0 { add(x - r - 1, -1) }
            sums[4 * x] = Float(acc.0); sums[4 * x + 1] = Float(acc.1); sums[4 * x + 2] = Float(acc.2)
            sums[4 * x + 3] = Float(acc.3)
        }
        alpha?.append(alphaRow)
        window.append(DecodedRow(rgb: rgb, alpha: alphaRow, sums: sums))
    }

    private func bleed(row y: Int, into out: UnsafeMutableBufferPointer<Float>) {
        let row = window[y - windowStart]
        _ = out.update(from: row.rgb)
        let lower = max(0, y - Self.bleedRadius) - windowStart
        let upper = min(height - 1, y + Self.bleedRadius) - windowStart
        for x in 0..<width where row.alpha[x] < Self.trustedAlpha {
            var s: (Float, Float, Float, Float) = (0, 0, 0, 0)
            for k in lower...upper {
                let sums = window[k].sums
                s.0 += sums[4 * x]; s.1 += sums[4 * x + 1]; s.2 += sums[4 * x + 2]; s.3 += sums[4 * x + 3]
            }
            // Running sums can leave tiny negative residue; below a hair of alpha there is nothing visible.
            guard s.3 > 1e-3 else { continue }
            let trust = row.alpha[x] / Self.trustedAlpha
            out[3 * x] = trust * row.rgb[3 * x] + (1 - trust) * s.0 / s.3
            out[3 * x + 1] = trust * row.rgb[3 * x + 1] + (1 - trust) * s.1 / s.3
            out[3 * x + 2] = trust * row.rgb[3 * x + 2] + (1 - trust) * s.2 / s.3
        }
    }
}

/// Writes RGB float rows into an image with the writer's channel count: gray output takes the
/// BT.601 luma of the three channels (the network sees gray repeated, and returns three nearly
/// equal channels); alpha, when the image has it, comes from the `AlphaPlane`. Rows are converted
/// and written one at a time, so no second copy of the output band is made.
///
/// An image with alpha written to a format without it (JPEG) is flattened onto `background`: in
/// sRGB-encoded values, as browsers and image viewers composite a PNG onto a page, so the JPEG
/// looks like the PNG shown on that colour. Where alpha is 255 the colour is kept exactly, so a
/// fully opaque alpha channel simply disappears.
struct WriterRows: RowSink {
    let writer: ImageWriter
    let alpha: AlphaPlane?
    /// Set when alpha is flattened rather than written: the background's R, G, B on 0…255.
    private let background: (Float, Float, Float)?
    private var samples: [Float] = []
    private var alphaRows: [Float] = []
    /// The network's output width (×4 the input's): the writer's too, unless resampled.
    private let width: Int
    /// Set when the output is written at another size than the network's.
    private var resampler: LanczosResampler?

    init(_ writer: ImageWriter, alpha: AlphaPlane?, background: BackgroundColor, networkSize: (width: Int, height: Int)) {
        self.writer = writer
        self.alpha = alpha
        self.background = alpha != nil && !writer.info.hasAlpha
            ? (Float(background.red), Float(background.green), Float(background.blue)) : nil
        width = networkSize.width
        if networkSize != (writer.info.width, writer.info.height) {
            resampler = LanczosResampler(input: networkSize, output: (writer.info.width, writer.info.height),
                                         channels: writer.info.channels)
        }
    }

    mutating func writeRows(_ count: Int, from buffer: UnsafeBufferPointer<Float>) throws {
        let width = self.width, channels = writer.info.channels
        alpha?.outputRows(count, into: &alphaRows)
        if samples.count != width * channels { samples = [Float](repeating: 0, count: width * channels) }
        for y in 0..<count {
            let rgb = y * width * 3
            for x in 0..<width {
                let p = rgb + 3 * x
                var (r, g, b) = (buffer[p], buffer[p + 1], buffer[p + 2])
                if let background {
                    // The network's colour may overshoot 0…255; clamp before weighting, as the
                    // writer would have clamped it anyway.
                    let a = min(max(alphaRows[y * width + x] / 255, 0), 1)
                    r = a * min(max(r, 0), 255) + (1 - a) * background.0
                    g = a * min(max(g, 0), 255) + (1 - a) * background.1
                    b = a * min(max(b, 0), 255) + (1 - a) * background.2
                }
                switch channels {
                case 1, 2:
                    samples[x * channels] = 0.299 * r + 0.587 * g + 0.114 * b
                default:
                    samples[x * channels] = r
                    samples[x * channels + 1] = g
                    samples[x * channels + 2] = b
                }
                if channels == 2 || channels == 4 {
                    samples[x * channels + channels - 1] = alphaRows[y * width + x]
                }
            }
            if resampler != nil { try resample(samples) } else { try writer.writeRows(floats: samples) }
        }
    }

    /// Through the resampler to the writer. With alpha, colour is resampled premultiplied (as
    /// Pillow does for RGBA), so the colour of transparent pixels does not bleed into edges.
    private mutating func resample(_ row: [Float]) throws {
        let channels = writer.info.channels, writer = self.writer
        let hasAlpha = channels == 2 || channels == 4
        // The network overshoots 0…255 here and there; the writer would clamp a ×4 output, so
        // the resampled one starts from the same clamped values (the lobes of the filter would
        // otherwise carry the overshoot into neighbours).
        var row = row.map { min(max($0, 0), 255) }
        if hasAlpha {
            for p in stride(from: 0, to: row.count, by: channels) {
                let a = min(max(row[p + channels - 1], 0), 255) / 255
                for c in 0..<(channels - 1) { row[p + c] *= a }
            }
        }
        // Taken out while it works, so that it is not copied (it holds its window of rows).
        var r = resampler!
        resampler = nil
        defer { resampler = r }
        try row.withUnsafeBufferPointer { input in
            try r.push(input) { out in
                guard hasAlpha else { return try writer.writeRows(floats: out) }
                var out = out
                for p in stride(from: 0, to: out.count, by: channels) {
                    let a = min(max(out[p + channels - 1], 0), 255)
                    for c in 0..<(channels - 1) { out[p + c] = a > 0 ? out[p + c] * 255 / a : 0 }
                }
                try writer.writeRows(floats: out)
            }
        }
    }
}
