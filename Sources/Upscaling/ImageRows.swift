/// Adapters between image files (any channel layout) and the RGB rows the generator works on.
import Imaging

/// Reads an image's rows as RGB floats: gray is repeated into all three channels.
struct ReaderRows: RowSource {
    let reader: ImageReader
    var width: Int { reader.info.width }
    var height: Int { reader.info.height }
    private var samples: [Float] = []

    init(_ reader: ImageReader) { self.reader = reader }

    mutating func readRows(_ count: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        let rows = try reader.readRows(count: count, into: &samples)
        guard rows == count else {
            throw ImageError(.truncated, path: reader.path, detail: "expected \(count) more rows, got \(rows)")
        }
        let channels = reader.info.channels
        let pixels = count * width
        switch channels {
        case 3:
            _ = buffer.update(from: samples[0..<(pixels * 3)])
        case 1:
            for p in 0..<pixels {
                let v = samples[p]
                buffer[3 * p] = v
                buffer[3 * p + 1] = v
                buffer[3 * p + 2] = v
            }
        default:
            preconditionFailure("images with alpha are refused before reading")
        }
    }
}

/// Writes RGB float rows into an image with the writer's channel count: gray output takes the
/// BT.601 luma of the three channels (the network sees gray repeated, and returns three nearly
/// equal channels).
struct WriterRows: RowSink {
    let writer: ImageWriter
    private var samples: [Float] = []

    init(_ writer: ImageWriter) { self.writer = writer }

    mutating func writeRows(_ count: Int, from buffer: UnsafeBufferPointer<Float>) throws {
        let pixels = count * writer.info.width
        switch writer.info.channels {
        case 3:
            try writer.writeRows(floats: Array(buffer[0..<(pixels * 3)]))
        case 1:
            samples.removeAll(keepingCapacity: true)
            for p in 0..<pixels {
                samples.append(0.299 * buffer[3 * p] + 0.587 * buffer[3 * p + 1] + 0.114 * buffer[3 * p + 2])
            }
            try writer.writeRows(floats: samples)
        default:
            preconditionFailure("only gray and RGB outputs are written")
        }
    }
}
